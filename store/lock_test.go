package store

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// holdEnv makes the test binary a helper process that holds a database
// open for writing for a while (DuckDB's file lock is per process).
const holdEnv = "QUARRY_TEST_HOLD_DB"

func init() {
	p := os.Getenv(holdEnv)
	if p == "" {
		return
	}
	path, ms, _ := strings.Cut(p, "|")
	st, err := Open(path, Options{LockWait: -1})
	if err != nil {
		os.Stderr.WriteString(err.Error())
		os.Exit(3)
	}
	os.Stdout.WriteString("held\n")
	d, _ := time.ParseDuration(ms)
	time.Sleep(d)
	st.Close()
	os.Exit(0)
}

// hold starts a process that keeps path open for d and returns once it
// holds the lock.
func hold(t *testing.T, path string, d time.Duration) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), holdEnv+"="+path+"|"+d.String())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := out.Read(buf); err != nil || string(buf) != "held\n" {
		t.Fatalf("helper did not take the lock: %v %q", err, buf)
	}
	return cmd
}

// TestOpenWaitsForLock: a database another process holds is waited for up
// to LockWait, then reported as busy with what holds it.
func TestOpenWaitsForLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.duckdb")
	st, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	// Held for 1.5 s: Open waits and then succeeds.
	cmd := hold(t, path, 1500*time.Millisecond)
	t0 := time.Now()
	st, err = Open(path, Options{LockWait: 20 * time.Second})
	if err != nil {
		t.Fatalf("Open while another process briefly held the file: %v", err)
	}
	if time.Since(t0) < 500*time.Millisecond {
		t.Errorf("Open did not wait (%v)", time.Since(t0))
	}
	st.Close()
	cmd.Wait()

	// Held for longer than LockWait: a clear error.
	cmd = hold(t, path, 5*time.Second)
	defer cmd.Wait()
	_, err = Open(path, Options{LockWait: 300 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "in use by another process") || !strings.Contains(err.Error(), path) {
		t.Errorf("busy database: %v", err)
	}
	// LockWait < 0: no waiting at all.
	t0 = time.Now()
	if _, err = Open(path, Options{LockWait: -1}); err == nil || time.Since(t0) > 2*time.Second {
		t.Errorf("LockWait -1: %v after %v", err, time.Since(t0))
	}
	cmd.Process.Kill()
}
