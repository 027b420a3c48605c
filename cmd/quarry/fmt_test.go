package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runQuarry runs the root command with args and stdin, returning stdout,
// stderr and the error.
func runFmtCommand(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	root.SetArgs(args)
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errb)
	defer func() {
		root.SetArgs(nil)
		root.SetIn(nil)
		root.SetOut(nil)
		root.SetErr(nil)
		fmtWrite, fmtList = false, false
	}()
	err := root.Execute()
	return out.String(), errb.String(), err
}

func TestFmtCommand(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.kql")
	bad := filepath.Join(dir, "bad.kql")
	if err := os.WriteFile(good, []byte("EmailEvents|where Timestamp>ago(1d)|summarize n=count() by SenderFromDomain // top senders\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("EmailEvents\n| where (x > \n"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := "EmailEvents\n| where Timestamp > ago(1d)\n| summarize n = count() by SenderFromDomain // top senders\n"

	out, errs, err := runFmtCommand(t, "", "fmt", good)
	if err != nil || out != want || errs != "" {
		t.Errorf("fmt good.kql: out %q, stderr %q, err %v; want %q", out, errs, err, want)
	}

	out, _, err = runFmtCommand(t, "T|take 1", "fmt")
	if err != nil || out != "T\n| take 1\n" {
		t.Errorf("fmt from stdin: out %q, err %v", out, err)
	}

	out, errs, err = runFmtCommand(t, "", "fmt", bad, good)
	var ee exitError
	if !errors.As(err, &ee) || ee.code != 1 {
		t.Errorf("fmt bad.kql: err %v, want exit status 1", err)
	}
	if !strings.HasPrefix(errs, bad+":") || !strings.Contains(errs, ":3:") && !strings.Contains(errs, ":2:") {
		t.Errorf("fmt bad.kql: stderr %q, want file:line:col: message", errs)
	}
	if out != want {
		t.Errorf("fmt bad.kql good.kql: the good file was not printed: %q", out)
	}

	_, errs, err = runFmtCommand(t, "", "fmt", filepath.Join(dir, "missing.kql"))
	if !errors.As(err, &ee) || ee.code != 2 || !strings.Contains(errs, "missing.kql") {
		t.Errorf("fmt missing.kql: err %v, stderr %q; want exit status 2 naming the file", err, errs)
	}

	out, _, err = runFmtCommand(t, "", "fmt", "-l", good)
	if err != nil || out != good+"\n" {
		t.Errorf("fmt -l good.kql: out %q, err %v; want the file name", out, err)
	}

	if _, _, err := runFmtCommand(t, "", "fmt", "-w", good); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(good); string(b) != want {
		t.Errorf("fmt -w wrote %q, want %q", b, want)
	}
	if out, _, err := runFmtCommand(t, "", "fmt", "-l", good); err != nil || out != "" {
		t.Errorf("fmt -l on a formatted file: out %q, err %v; want nothing", out, err)
	}
}
