package main

import (
	"net"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, errs := runCmd(t, nil, args...)
		if code != exitOK || !strings.HasPrefix(out, "tosspay ") || errs != "" {
			t.Errorf("tosspay %v: exit %d, out %q, err %q", args, code, out, errs)
		}
	}
	info := &debug.BuildInfo{GoVersion: "go1.26", Main: debug.Module{Version: "v0.4.0"}}
	if got := versionOf(info); got != "v0.4.0 go1.26" {
		t.Errorf("versionOf(a tagged build) = %q", got)
	}
	info = &debug.BuildInfo{GoVersion: "go1.26", Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}}}
	if got := versionOf(info); got != "(devel) commit 0123456789ab (with uncommitted changes) go1.26" {
		t.Errorf("versionOf(a build from a clone) = %q", got)
	}
}

func TestSandboxBusyPortSaysWhatToDo(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code, _, errs := runCmd(t, nil, "sandbox", "--addr", ln.Addr().String())
	if code == exitOK || !strings.Contains(errs, "another process already listens on "+ln.Addr().String()) || !strings.Contains(errs, "--addr") {
		t.Errorf("sandbox on a busy port: exit %d, stderr %q", code, errs)
	}
}

func TestDemoReadsBaseURLFromEnvironment(t *testing.T) {
	t.Parallel()
	// A base URL from the environment is used like --base-url: without a
	// key the demo refuses rather than quietly running in-process.
	code, out, errs := runCmd(t, map[string]string{"TOSS_BASE_URL": "http://127.0.0.1:1"}, "demo")
	if code != exitUsage || !strings.Contains(errs, "TOSS_SECRET_KEY") {
		t.Errorf("demo with TOSS_BASE_URL and no key: exit %d\n%s\n%s", code, out, errs)
	}
}
