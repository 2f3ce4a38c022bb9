package wrapper

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
	"unicode"
	"unicode/utf8"
)

// secretValue is a string that never prints.
type secretValue string

const redacted = "[REDACTED]"

func (secretValue) String() string               { return redacted }
func (secretValue) GoString() string             { return redacted }
func (secretValue) Format(f fmt.State, _ rune)   { _, _ = f.Write([]byte(redacted)) }
func (secretValue) LogValue() slog.Value         { return slog.StringValue(redacted) }
func (secretValue) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// secretList scrubs secret values out of text the server sent back before it
// goes into an error or a log record.
type secretList []secretValue

// A value of at least minScrubLen characters is removed in its exact form. A
// value of at least minDigitScrubLen digits (a card number, an identity
// number) is also removed when written with separators between its digits
// (spaces, '-', '.', '/'), as in "4330-1234-1234-1234". Shorter values (a
// two-digit card password) are not scrubbed: removing every such pair of
// digits would garble the text, and the API does not echo them.
func (s secretList) scrub(text string) string {
	for _, v := range s {
		if len(v) < minScrubLen {
			continue
		}
		if strings.Contains(text, string(v)) {
			text = strings.ReplaceAll(text, string(v), redacted)
		}
		if len(v) >= minDigitScrubLen && isDigits(string(v)) {
			text = scrubDigits(text, string(v))
		}
	}
	return text
}

const (
	// minScrubLen is the shortest secret removed from text.
	minScrubLen = 4
	// minDigitScrubLen is the shortest all-digit secret also removed when
	// written with separators.
	minDigitScrubLen = 6
)

func isDigits(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }

func isDigitSeparator(b byte) bool { return b == ' ' || b == '-' || b == '.' || b == '/' }

// scrubDigits replaces every run of text that spells digits with separators
// between them.
func scrubDigits(text, digits string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(text); {
		if end := matchDigits(text, i, digits); end > 0 {
			b.WriteString(text[last:i])
			b.WriteString(redacted)
			i, last = end, end
			continue
		}
		i++
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// matchDigits returns the end of the run of text at i that spells digits
// (separators allowed between digits, not before the first), or 0.
func matchDigits(text string, i int, digits string) int {
	if text[i] != digits[0] {
		return 0
	}
	j := i + 1
	for k := 1; k < len(digits); k++ {
		for j < len(text) && isDigitSeparator(text[j]) {
			j++
		}
		if j >= len(text) || text[j] != digits[k] {
			return 0
		}
		j++
	}
	return j
}

// secretsOfKey are the forms of a secret key a server could echo: the key,
// and base64 (standard and URL alphabets, padded and not) of the key and of
// the Basic credentials "key:". The Basic header form ("Basic " + base64)
// contains the base64 form.
func secretsOfKey(key string) secretList {
	list := secretList{secretValue(key)}
	for _, raw := range []string{key + ":", key} {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			list = append(list, secretValue(enc.EncodeToString([]byte(raw))))
		}
	}
	return list
}

// Caps of text from the server that reaches an error string or a log.
const (
	maxCodeLen    = 64
	maxTraceLen   = 128
	maxMessageLen = 500
	maxSnippetLen = 160
)

// clean makes text the server sent safe for an error string or a log: the
// secrets are scrubbed first (in the whole text, so that truncating cannot
// leave a prefix of one), then control characters are dropped and runs of
// white space become one space, the secrets are scrubbed again (in case
// control characters split one), and the result is cut to max runes.
func (s secretList) clean(text string, max int) string {
	text = s.scrub(text)
	text = printable(text)
	text = s.scrub(text)
	return truncate(text, max)
}

// printable drops control and non-printable characters and invalid UTF-8,
// and turns each run of white space into one space.
func printable(text string) string {
	var b strings.Builder
	space := false
	for len(text) > 0 {
		r, size := utf8.DecodeRuneInString(text)
		text = text[size:]
		switch {
		case r == utf8.RuneError && size <= 1:
			continue
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case !unicode.IsPrint(r):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// truncate cuts text to max runes, marking a cut with "…".
func truncate(text string, max int) string {
	n := 0
	for i := range text {
		if n == max {
			return text[:i] + "…"
		}
		n++
	}
	return text
}
