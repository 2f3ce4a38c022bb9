package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Text a server chose (the sandbox's answers, a webhook's body, an API's
// answer from --base-url) reaches the terminal only through printableText
// or jsonForTerminal: a hostile server must not clear the screen, plant a
// hyperlink (OSC 8), retitle the window, or reorder what is shown with a
// bidirectional override.

// maxPrinted is how many characters of a value from the body or the
// headers a printed line shows.
const maxPrinted = 64

// terminalSafe reports whether r may reach a terminal as it is: a graphic
// character (letters, marks, numbers, punctuation, symbols) or the ASCII
// space; never a control (C0, DEL, C1: 8-bit CSI is U+009B), a format
// character (bidirectional overrides, zero-width ones), a line or
// paragraph separator, a private-use or unassigned code point.
func terminalSafe(r rune) bool { return r != utf8.RuneError && unicode.IsPrint(r) }

// printableText is v as a terminal may show it, at most n characters (then
// "…"): every character that is not terminalSafe, and every invalid byte,
// is written as its escape (\x1b, \u202e, \xff) and a backslash as \\, so
// that what is shown says what was sent.
func printableText(v string, n int) string {
	var b strings.Builder
	count := 0
	for i, r := range v {
		if count == n {
			b.WriteString("…")
			break
		}
		count++
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(v[i:], "\uFFFD"):
			fmt.Fprintf(&b, "\\x%02x", v[i])
		case r == '\\' || !terminalSafe(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// printable is printableText of at most maxPrinted characters.
func printable(s string) string { return printableText(s, maxPrinted) }

// jsonForTerminal returns the JSON text b with every character a terminal
// would interpret written as a JSON escape (\u009b, \u202e; an invalid byte
// as \ufffd): the same JSON value, safe to print. It reports false when b
// is not JSON (then nothing of it should be printed).
func jsonForTerminal(b []byte) (string, bool) {
	if !json.Valid(b) {
		return "", false
	}
	var out strings.Builder
	out.Grow(len(b))
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && size <= 1:
			out.WriteString(`\ufffd`)
		case r < utf8.RuneSelf && r != 0x7f:
			// In JSON text the ASCII controls are escaped already, but for
			// the white space between tokens.
			out.WriteByte(byte(r))
		case !terminalSafe(r):
			if r1, r2 := utf16.EncodeRune(r); r1 != unicode.ReplacementChar {
				fmt.Fprintf(&out, `\u%04x\u%04x`, r1, r2)
			} else {
				fmt.Fprintf(&out, `\u%04x`, r)
			}
		default:
			out.Write(b[:size])
		}
		b = b[size:]
	}
	return out.String(), true
}
