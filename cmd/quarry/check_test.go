package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quarry-kql/quarry/kql/diag"
	"github.com/quarry-kql/quarry/kql/token"
)

// runCheckCmd runs `quarry check args...` with stdin and returns stdout,
// stderr and the exit code.
func runCheckCmd(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	checkSyntaxOnly = false
	root.SetArgs(append([]string{"check"}, args...))
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errb)
	defer func() { root.SetIn(nil); root.SetOut(nil); root.SetErr(nil) }()
	err := root.Execute()
	code := 0
	if err != nil {
		e, ok := err.(exitError)
		if !ok {
			t.Fatalf("unexpected error %v", err)
		}
		code = e.code
	}
	return out.String(), errb.String(), code
}

func TestCheckCommand(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.kql")
	bad := filepath.Join(dir, "bad.kql")
	os.WriteFile(good, []byte("EmailEvents\n| where Timestamp > ago(30d)\n| take 10\n"), 0o644)
	os.WriteFile(bad, []byte("EmailEvents\n| where Timestamp > \n| take 10\n| summarize count( by x\n"), 0o644)

	out, _, code := runCheckCmd(t, "", good)
	if code != 0 || out != "" {
		t.Errorf("good file: code %d, output %q", code, out)
	}
	out, _, code = runCheckCmd(t, "", good, bad)
	want := bad + ":3:1: expected expression, found '|'\n" + bad + ":4:20: expected expression, found keyword 'by' (write ['by'] to use it as a name)\n"
	if code != 1 || out != want {
		t.Errorf("bad file: code %d, output\n%s\nwant\n%s", code, out, want)
	}
	out, _, code = runCheckCmd(t, "print 1\nprint 2\n", "-")
	if code != 1 || out != "<stdin>:2:1: expected ';' or end of input, found 'print'\n" {
		t.Errorf("stdin: code %d, output %q", code, out)
	}
	_, stderr, code := runCheckCmd(t, "", filepath.Join(dir, "missing.kql"))
	if code != 2 || !strings.Contains(stderr, "missing.kql") {
		t.Errorf("missing file: code %d, stderr %q", code, stderr)
	}
}

func TestCheckSemanticHook(t *testing.T) {
	defer func(f func(string) diag.List) { semanticCheck = f }(semanticCheck)
	semanticCheck = func(src string) diag.List {
		var l diag.List
		l.Add(token.NewFile("", src), token.PosOf(0), "unknown table 'Nope'")
		return l
	}
	out, _, code := runCheckCmd(t, "Nope | take 1", "-")
	if code != 1 || out != "<stdin>:1:1: unknown table 'Nope'\n" {
		t.Errorf("semantic: code %d, output %q", code, out)
	}
	out, _, code = runCheckCmd(t, "Nope | take 1", "--syntax", "-")
	if code != 0 || out != "" {
		t.Errorf("--syntax: code %d, output %q", code, out)
	}
}
