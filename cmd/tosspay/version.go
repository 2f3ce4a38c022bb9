package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"syscall"
)

// runVersion is "tosspay version" (and "tosspay --version"): the module
// version the binary was built from and, for a build from a clone, the
// commit.
func runVersion(_ context.Context, args []string, e env) int {
	fs := flag.NewFlagSet("tosspay version", flag.ContinueOnError)
	if code := parseFlags(fs, "version", args, e, func(w io.Writer) { printRunHelp(w, "version", fs) }); code >= 0 {
		return code
	}
	info, _ := debug.ReadBuildInfo()
	fmt.Fprintf(e.stdout, "tosspay %s\n", versionOf(info))
	return exitOK
}

// versionOf describes a build: the module version ("v0.4.0" when installed
// with go install …@v0.4.0), else "(devel)" with the commit and whether the
// work tree had changes, as the go command records them.
func versionOf(info *debug.BuildInfo) string {
	if info == nil {
		return "(unknown: built without module information)"
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		v += " commit " + rev
		if modified == "true" {
			v += " (with uncommitted changes)"
		}
	}
	return v + " " + info.GoVersion
}

// listenHint is what to do when the address a server should listen on is
// taken, most often by an earlier sandbox still running in the background.
func listenHint(err error, addr string) string {
	if !errors.Is(err, syscall.EADDRINUSE) {
		return ""
	}
	return fmt.Sprintf("another process already listens on %s (an earlier \"tosspay sandbox\" left running?): stop it (e.g. \"kill %%1\" or \"pkill -f 'tosspay sandbox'\"), or choose another address with --addr 127.0.0.1:8081", addr)
}
