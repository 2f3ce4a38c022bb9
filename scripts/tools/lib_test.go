package tools

import (
	"os/exec"
	"strings"
	"testing"
)

// scripts/lib.sh's redocly wrapper drops Redocly's boxed notices and keeps
// every other line, on stderr, with the command's exit status.
func TestRedoclyNoticesDropped(t *testing.T) {
	// A stand-in redocly on PATH prints a notice box, a warning and a result,
	// then exits 3.
	dir := t.TempDir()
	fake := `#!/usr/bin/env bash
printf '\n    ╔══════╗\n    ║  Deprecation warning: Node.js 20 support is ending  ║\n    ╚══════╝\n\n' >&2
echo "problem: keep me" >&2
echo "result on stdout"
exit 3
`
	script := `source ../lib.sh; PATH="$1:$PATH"; redocly lint x.yaml; echo "status $?"`
	cmd := exec.Command("bash", "-c", script, "-", dir)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	install := exec.Command("bash", "-c", `cat >"$1/redocly" && chmod +x "$1/redocly"`, "-", dir)
	install.Stdin = strings.NewReader(fake)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if got, want := stdout.String(), "result on stdout\nstatus 3\n"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
	if got, want := stderr.String(), "problem: keep me\n"; got != want {
		t.Errorf("stderr %q, want %q (the box and its blank lines dropped)", got, want)
	}
}
