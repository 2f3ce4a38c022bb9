package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// The quickstart, as the README shows it, runs the whole story against an
// in-process sandbox: create, approve at the checkout page, confirm.
func TestQuickstartAgainstSandbox(t *testing.T) {
	sb, err := sandbox.New()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()
	t.Setenv("TOSS_SECRET_KEY", sandbox.TestSecretKey)
	t.Setenv("TOSS_BASE_URL", srv.URL)

	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	want := regexp.MustCompile(`^created: READY\nconfirmed: DONE 15000 KRW \(trace id sbx\w+, for support\)\n$`)
	if !want.MatchString(out.String()) {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
}

// Every Go block of README.md is, byte for byte, a file of examples/: so each
// compiles (go vet and go test build it) and runs in a test. A README block
// that is edited without its file, or a file edited without the README,
// fails here.
func TestReadmeGoBlocksAreExamples(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join("..", "*", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	sources := map[string]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sources[string(b)] = f
	}
	blocks := regexp.MustCompile("(?ms)^```go\n(.*?)^```$").FindAllStringSubmatch(string(readme), -1)
	if len(blocks) == 0 {
		t.Fatal("README.md has no Go block")
	}
	for i, b := range blocks {
		if _, ok := sources[b[1]]; !ok {
			first, _, _ := strings.Cut(b[1], "\n")
			t.Errorf("README.md's Go block %d (%q...) is not a file of examples/: copy it there (or the file into the README) so that it compiles and runs in CI", i+1, first)
		}
	}
}
