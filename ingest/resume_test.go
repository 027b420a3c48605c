package ingest

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/internal/testenv"
	"github.com/quarry-kql/quarry/store"
)

// tableDigest is an order-independent digest of a table's rows: count and
// the sum of each row's hash, so a duplicated or missing row shows.
func tableDigest(t *testing.T, st *store.Store, table string) string {
	t.Helper()
	var n int64
	var sum string
	q := `SELECT count(*), coalesce(sum(hash(x))::VARCHAR, '0') FROM ` + store.QuoteIdent(table) + ` x`
	if err := st.DB.QueryRow(q).Scan(&n, &sum); err != nil {
		t.Fatal(err)
	}
	return strings.Join([]string{table, itoa(n), sum}, " ")
}

func itoa(n int64) string { return commas(n) }

// A generated log, ingested: the hunt must give the generator's truth.
func TestGeneratedPostfixTruth(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "mail.log")
	f, _ := os.Create(p)
	truth, lines := genPostfix(f, 2000)
	f.Close()
	st := openStore(t, ":memory:")
	res := runIngest(t, st, Options{Org: testOrg(t), RejectsDir: dir, BatchSize: 300}, p)
	if res[0].Rejected != 0 || res[0].Records+res[0].Skipped != lines {
		t.Errorf("%s (%d lines)", res[0].Summary(), lines)
	}
	want := truth.lines()
	sort.Strings(want)
	compareLines(t, "Mailflow by directionality", hunt(t, st), want)
}

// A log that grows after a complete load: the second run goes on from the
// last safe point, replaces the rows written for messages that were still
// in flight (Pending) at the first run's end, and the result equals one
// run on the whole file.
func TestGrownPostfixLog(t *testing.T) {
	dir := t.TempDir()
	full := postfixFixture(t, dir)
	data, _ := os.ReadFile(full)
	// Cut after M2's deferral (line 13): M2 is in flight.
	cut := 0
	for i := 0; i < 13; i++ {
		cut += bytes.IndexByte(data[cut:], '\n') + 1
	}
	p := filepath.Join(dir, "growing.log")
	if err := os.WriteFile(p, data[:cut], 0o644); err != nil {
		t.Fatal(err)
	}
	st := openStore(t, ":memory:")
	opt := Options{Org: testOrg(t), RejectsDir: filepath.Join(dir, "rejects"), BatchSize: 2}
	r1 := runIngest(t, st, opt, p)[0]
	t.Log(r1.Summary())
	checkRows(t, st, [][2]string{{`SELECT DeliveryAction FROM EmailEvents WHERE RecipientEmailAddress='partner@fabrikam.com'`, "Pending"}})
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	r2 := runIngest(t, st, opt, p)[0]
	t.Log(r2.Summary())
	if !r2.Resumed || r2.Records != 61 || r2.Rejected != 3 {
		t.Errorf("second run: %s", r2.Summary())
	}
	compareLines(t, "Mailflow by directionality", hunt(t, st), expected(t, "testdata/postfix/nasty.expected.tsv"))
	checkRows(t, st, [][2]string{
		{`SELECT DeliveryAction FROM EmailEvents WHERE RecipientEmailAddress='partner@fabrikam.com'`, "Delivered"},
		{`SELECT count(*)::VARCHAR FROM EmailEvents`, "13"},
	})
	rej := readRejects(t, r2.RejectsPath)
	if len(rej) != 3 {
		t.Errorf("rejects file has %d lines: %q", len(rej), rej)
	}
	// And one clean run on the whole file gives the same table.
	clean := openStore(t, ":memory:")
	runIngest(t, clean, Options{Org: testOrg(t), RejectsDir: filepath.Join(dir, "rejects2")}, p)
	if a, b := tableDigest(t, st, "EmailEvents"), tableDigest(t, clean, "EmailEvents"); a != b {
		t.Errorf("grown-then-resumed %s != clean %s", a, b)
	}
}

// buildQuarry builds the quarry binary for the tests that run it.
func buildQuarry(t *testing.T) string {
	t.Helper()
	root, ok := testenv.RepoRoot()
	if !ok {
		t.Skip("no repository root")
	}
	bin := filepath.Join(t.TempDir(), "quarry")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/quarry")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// SIGKILL in the middle of an ingest, then a rerun: the tables hold
// exactly the rows of one clean run.
func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the quarry binary")
	}
	bin := buildQuarry(t)
	dir := t.TempDir()
	logs := []string{filepath.Join(dir, "a.log"), filepath.Join(dir, "b.json")}
	var buf bytes.Buffer
	genPostfix(&buf, 12000)
	writeWithBadLines(t, logs[0], buf.Bytes(), 997, "Nov 31 10:00:00 mx1 postfix/qmgr[300]: AAAAAAAAAA: removed")
	buf.Reset()
	genDefender(&buf, 10000)
	writeWithBadLines(t, logs[1], buf.Bytes(), 991, `{"category":"AdvancedHunting-EmailEvents","properties":{"Timestamp":"2026-11-01T00:00:00Z",,}}`)
	orgFile, _ := filepath.Abs("testdata/org.yaml")
	// run runs the binary; with kill set it is killed with SIGKILL right
	// after the commit that kill accepts.
	run := func(db string, kill func(commits int, line string) bool) {
		args := []string{"--db", db, "ingest", "--org", orgFile, "--year", "2026", "--batch", "1000",
			"--rejects", db + ".rejects", "--trace-commits", logs[0], logs[1]}
		cmd := exec.Command(bin, args...)
		stderr, _ := cmd.StderrPipe()
		var out bytes.Buffer
		cmd.Stdout = &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stderr)
		commits := 0
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "committed ") {
				commits++
			}
			if kill != nil && kill(commits, sc.Text()) {
				cmd.Process.Kill() // SIGKILL
				break
			}
		}
		err := cmd.Wait()
		if kill != nil {
			if err == nil {
				t.Fatalf("the ingest finished before it was killed:\n%s", out.String())
			}
			t.Logf("killed after %d commits", commits)
			return
		}
		if err != nil {
			t.Fatalf("ingest: %v\n%s", err, out.String())
		}
		t.Log(strings.TrimSpace(out.String()))
	}
	killed := filepath.Join(dir, "killed.duckdb")
	// Killed in the middle of the Postfix log, then in the middle of the
	// Defender file, then a run to the end.
	run(killed, func(n int, _ string) bool { return n == 5 })
	run(killed, func(_ int, l string) bool { return strings.Contains(l, "b.json") && !strings.HasSuffix(l, " 0") })
	run(killed, nil)
	// Another run loads nothing.
	run(killed, nil)
	cleanDB := filepath.Join(dir, "clean.duckdb")
	run(cleanDB, nil)
	// The rejects files are the same too: nothing written twice or lost.
	for _, l := range logs {
		pa, _ := filepath.Glob(filepath.Join(killed+".rejects", filepath.Base(l)+".*.rejects"))
		pb, _ := filepath.Glob(filepath.Join(cleanDB+".rejects", filepath.Base(l)+".*.rejects"))
		if len(pa) != 1 || len(pb) != 1 {
			t.Fatalf("rejects files %v %v", pa, pb)
		}
		ra, _ := os.ReadFile(pa[0])
		rb, _ := os.ReadFile(pb[0])
		if !bytes.Equal(ra, rb) || len(ra) == 0 {
			t.Errorf("%s: rejects differ after kill and rerun:\n%s\nclean:\n%s", l, ra, rb)
		}
	}
	a, b := openStore(t, killed), openStore(t, cleanDB)
	for _, table := range []string{"EmailEvents"} {
		da, db := tableDigest(t, a, table), tableDigest(t, b, table)
		if da != db {
			t.Errorf("after kill and rerun: %s; one clean run: %s", da, db)
		} else {
			t.Log(da)
		}
	}
}

// writeWithBadLines writes data with the line bad inserted after every
// every-th line.
func writeWithBadLines(t *testing.T, path string, data []byte, every int, bad string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	for i, l := range bytes.SplitAfter(data, []byte("\n")) {
		w.Write(l)
		if i%every == every-1 {
			w.WriteString(bad + "\n")
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
}

// Follow mode: lines appended while following are loaded, and so are the
// lines of the new file after a rotation; a message whose lines straddle
// the rotation is one row.
func TestFollowRotation(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "mail.log")
	data, err := os.ReadFile(full(t))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	// part 1: lines 1-20; part 2 (appended): 21-30; after rotation: the rest.
	write := func(path string, flag int, s []string) {
		f, err := os.OpenFile(path, flag|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(strings.Join(s, ""))
		f.Close()
	}
	write(p, os.O_CREATE|os.O_TRUNC, lines[:20])
	st := openStore(t, ":memory:")
	ctx, cancel := context.WithCancel(context.Background())
	var commits sync.Map
	done := make(chan []Result)
	go func() {
		res, err := Run(ctx, st, []string{p}, Options{Org: testOrg(t), Year: 2026, RejectsDir: filepath.Join(dir, "rejects"),
			Follow: true, Poll: 10 * time.Millisecond, BatchSize: 1,
			OnCommit: func(path string, rows int64) { commits.Store(rows, true) }})
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	time.Sleep(150 * time.Millisecond)
	write(p, os.O_APPEND, lines[20:30])
	time.Sleep(150 * time.Millisecond)
	if err := os.Rename(p, p+".1"); err != nil {
		t.Fatal(err)
	}
	write(p, os.O_CREATE|os.O_TRUNC, lines[30:])
	time.Sleep(300 * time.Millisecond)
	cancel()
	res := <-done
	if len(res) == 1 {
		t.Log(res[0].Summary())
	}
	// The last message (M12) is cut off and M11 is still deferred: in
	// follow mode neither is written out. Everything else is.
	want := expected(t, "testdata/postfix/nasty.expected.tsv")
	var got []string
	for _, l := range hunt(t, st) {
		got = append(got, l)
	}
	var wantFollow []string
	for _, l := range want {
		if strings.Contains(l, "far.example") {
			continue // M11, deferred, not final yet
		}
		wantFollow = append(wantFollow, l)
	}
	compareLines(t, "Mailflow by directionality while following", got, wantFollow)
}

// full returns testdata/postfix/nasty.log without the 10 MB line marker.
func full(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("testdata/postfix/nasty.log")
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.Replace(data, []byte("@@BIGLINE@@\n"), nil, 1)
	p := filepath.Join(t.TempDir(), "nasty-small.log")
	os.WriteFile(p, data, 0o644)
	return p
}

// Generated inputs of the other formats: the hunt gives the generator's
// truth.
func TestGeneratedTruthOtherFormats(t *testing.T) {
	for _, c := range []struct {
		name string
		gen  func(f *os.File) genTruth
	}{
		{"exchange.log", func(f *os.File) genTruth { return genExchange(f, 3000) }},
		{"trace.csv", func(f *os.File) genTruth { return genEXOTrace(f, 2000) }},
		{"ah.csv", func(f *os.File) genTruth { return genAHCSV(f, 2000) }},
		{"stream.json", func(f *os.File) genTruth { return genDefender(f, 2000) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, c.name)
			f, _ := os.Create(p)
			truth := c.gen(f)
			f.Close()
			st := openStore(t, ":memory:")
			res := runIngest(t, st, Options{Org: testOrg(t), RejectsDir: dir, BatchSize: 500}, p)
			if res[0].Rejected != 0 {
				t.Errorf("%s", res[0].Summary())
			}
			want := truth.lines()
			sort.Strings(want)
			compareLines(t, "Mailflow by directionality", hunt(t, st), want)
		})
	}
}

// An Event Hub file whose documents hold records of several tables, bad
// records and bad lines, interrupted after some batches (which end in the
// middle of documents) and run again, must end up exactly as one clean
// run: the rows handed over in blocks are counted and skipped like any.
func TestInterruptedEventHubResume(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "hub.json")
	var b strings.Builder
	for i := 0; i < 3000; i++ {
		ts := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute).Format(time.RFC3339)
		rec := func(cat, props string) string {
			return `{"category":"AdvancedHunting-` + cat + `","properties":{"Timestamp":"` + ts + `",` + props + `}}`
		}
		recs := []string{
			rec("EmailEvents", `"NetworkMessageId":"m`+itoa(int64(i))+`","Subject":"message `+itoa(int64(i))+` with a longer subject"`),
			rec("EmailUrlInfo", `"NetworkMessageId":"m`+itoa(int64(i))+`","Url":"https://example.net/`+itoa(int64(i))+`"`),
			rec("EmailEvents", `"NetworkMessageId":"n`+itoa(int64(i))+`","RecipientEmailAddress":"r@contoso.com"`),
		}
		if i%97 == 0 {
			recs[1] = rec("EmailUrlInfo", `"UrlChainPosition":"x"`) // rejected record
		}
		b.WriteString(`{"records":[` + strings.Join(recs, ",") + "]}\n")
		if i%331 == 0 {
			b.WriteString("{not json\n")
		}
	}
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	load := func(st *store.Store, rejects string, stopAfter int) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		commits := 0
		opt := Options{RejectsDir: rejects, BatchSize: 700, OnCommit: func(string, int64) {
			if commits++; commits == stopAfter {
				cancel()
			}
		}}
		_, err := Run(ctx, st, []string{p}, opt)
		if (err != nil) != (stopAfter > 0) {
			t.Fatalf("stop after %d commits: %v", stopAfter, err)
		}
	}
	resumed, clean := openStore(t, filepath.Join(dir, "resumed.duckdb")), openStore(t, filepath.Join(dir, "clean.duckdb"))
	load(resumed, filepath.Join(dir, "r1"), 3)
	load(resumed, filepath.Join(dir, "r1"), 0)
	load(clean, filepath.Join(dir, "r2"), 0)
	for _, table := range []string{"EmailEvents", "EmailUrlInfo"} {
		if a, c := tableDigest(t, resumed, table), tableDigest(t, clean, table); a != c {
			t.Errorf("interrupted and resumed: %s; one clean run: %s", a, c)
		}
	}
	var n int64
	if err := clean.DB.QueryRow(`SELECT count(*) FROM EmailEvents`).Scan(&n); err != nil || n != 6000 {
		t.Errorf("EmailEvents has %d rows, want 6000 (%v)", n, err)
	}
	ra, _ := filepath.Glob(filepath.Join(dir, "r1", "*.rejects"))
	rc, _ := filepath.Glob(filepath.Join(dir, "r2", "*.rejects"))
	if len(ra) != 1 || len(rc) != 1 {
		t.Fatalf("rejects files %v %v", ra, rc)
	}
	a, _ := os.ReadFile(ra[0])
	c, _ := os.ReadFile(rc[0])
	if !bytes.Equal(a, c) || bytes.Count(c, []byte("\n")) != 31+10 {
		t.Errorf("rejects after the resume:\n%s\nclean run (%d lines):\n%s", a, bytes.Count(c, []byte("\n")), c)
	}
}
