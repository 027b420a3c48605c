// Package ingest loads mail telemetry files into the EmailEvents family of
// tables. It detects each file's format, runs the format's parser (package
// ingest/defender, exchange, exotrace or postfix), and writes rows with the
// DuckDB appender in one transaction per batch, together with the file's
// progress in quarry_meta.ingest_progress, so that an interrupted or repeated
// run never loads a record twice. Records that cannot be loaded go to a
// rejects file with file:line and a reason, and every record is counted in
// the summary.
package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/quarry-kql/quarry/ingest/org"
	"github.com/quarry-kql/quarry/ingest/source"
	"github.com/quarry-kql/quarry/store"
)

// DefaultBatchSize is the number of rows committed per transaction
// unless told otherwise: one of DuckDB's row groups (122,880 rows).
// DuckDB writes a transaction's full row groups compressed straight to the
// database file and only the remainder goes through its write-ahead log,
// to be written again at the next checkpoint, so a whole number of row
// groups per commit writes each row once. One row group rather than more:
// DuckDB compresses a transaction's row groups in its COMMIT (unless its
// write buffer fills first), which runs while the next batch is appended,
// and the last batch's COMMIT, which nothing overlaps, is then shortest
// (on 1M Defender records the time after the parser's end fell from
// 1.9–3.5 s with four row groups to 0.9–2.1 s; the CLI took 5.0 s instead
// of 6.0 s, with a peak RSS of 555 MB instead of 680 MB).
const DefaultBatchSize = 122_880

// Options tune an ingest run.
type Options struct {
	// Source forces the format (defender-stream, defender-csv,
	// exchange-tracking, exo-trace, postfix); empty detects it per file.
	Source string
	// Org decides EmailDirection for the log sources.
	Org *org.Org
	// Year and Loc complete syslog timestamps (default: this year, UTC).
	Year int
	Loc  *time.Location
	// RejectsDir receives one rejects file per input with rejects
	// (default "rejects").
	RejectsDir string
	// BatchSize is the number of rows per transaction (default
	// DefaultBatchSize).
	BatchSize int
	// Progress, when non-nil, gets a progress bar (a terminal).
	Progress io.Writer
	// Follow tails the (single) input and loads new lines as they come,
	// surviving rotation, until the context is cancelled.
	Follow bool
	// Poll is the follow mode's polling interval (default 500ms).
	Poll time.Duration
	// OnCommit, when set, is called after every committed batch with the
	// file and the number of its rows committed so far (tests and
	// diagnostics).
	OnCommit func(path string, rows int64)
}

// Result is the outcome of ingesting one file.
type Result struct {
	Path, Source string
	// Records, Loaded, Rejected and Skipped count input records over the
	// whole file (Loaded = Records - Rejected). Skipped lines are not
	// records of the format (e.g. other daemons' syslog lines).
	Records, Loaded, Rejected, Skipped int64
	// Rows counts the rows written by this run, per table.
	Rows        map[string]int64
	RejectsPath string
	// AlreadyLoaded is set when the file was fully loaded by an earlier
	// run and has not changed; nothing was read.
	AlreadyLoaded bool
	// Resumed is set when an earlier run was interrupted or the file grew.
	Resumed bool
}

// Summary is the one-line report printed after a file.
func (r Result) Summary() string {
	if r.AlreadyLoaded {
		return fmt.Sprintf("%s (%s): already loaded, %s records; nothing to do", r.Path, r.Source, commas(r.Records))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s records: %s loaded, %s rejected", r.Path, r.Source,
		commas(r.Records), commas(r.Loaded), commas(r.Rejected))
	if r.Rejected > 0 {
		fmt.Fprintf(&b, " → %s", r.RejectsPath)
	}
	if r.Skipped > 0 {
		noun := "lines"
		if r.Skipped == 1 {
			noun = "line"
		}
		fmt.Fprintf(&b, "; %s %s skipped (not %s records)", commas(r.Skipped), noun, r.Source)
	}
	var names []string
	var total int64
	for n, c := range r.Rows {
		names = append(names, n)
		total += c
	}
	sort.Strings(names)
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %s", n, commas(r.Rows[n])))
	}
	fmt.Fprintf(&b, "; %s rows written", commas(total))
	if len(parts) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
	}
	if r.Resumed {
		b.WriteString("; resumed from an earlier run")
	}
	return b.String()
}

func commas(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// GoMemoryLimit is the soft limit on the Go heap during an ingest. With
// the DuckDB memory_limit the CLI sets (DuckDBMemoryLimit), a run stays
// under 1 GB whatever the input size.
const GoMemoryLimit = 320 << 20

// DuckDBMemoryLimit is the DuckDB memory_limit `quarry ingest` opens the
// store with.
const DuckDBMemoryLimit = "512MB"

// hashLen is how many leading bytes identify a file. Logs and exports
// start with timestamps or unique ids, so 64 KiB tell files apart; a file
// that grows keeps its identity because its first bytes do not change.
const hashLen = 64 << 10

// Run ingests the given files and directories (directories are walked,
// hidden files skipped) into st. It returns one result per file; a file
// whose format cannot be detected is an error for that file, reported
// after the others were loaded.
func Run(ctx context.Context, st *store.Store, paths []string, opt Options) ([]Result, error) {
	if opt.BatchSize <= 0 {
		opt.BatchSize = DefaultBatchSize
	}
	if opt.RejectsDir == "" {
		opt.RejectsDir = "rejects"
	}
	if opt.Year == 0 {
		opt.Year = time.Now().UTC().Year()
	}
	if opt.Loc == nil {
		opt.Loc = time.UTC
	}
	if opt.Source != "" {
		if _, ok := parsers[opt.Source]; !ok {
			return nil, fmt.Errorf("unknown source %q (known: %s)", opt.Source, strings.Join(SourceNames(), ", "))
		}
	}
	// Parsing allocates many short-lived values: collect garbage less
	// often, but cap the Go heap so that memory stays bounded whatever the
	// input size (DuckDB's own memory is capped by the store's
	// memory_limit).
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	if debug.SetMemoryLimit(-1) == math.MaxInt64 {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(GoMemoryLimit))
	}
	if _, err := st.DB.ExecContext(ctx, metaDDL); err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	defer oneThread(ctx, st)()
	files, err := expand(paths)
	if err != nil {
		return nil, err
	}
	if opt.Follow && len(files) != 1 {
		return nil, errors.New("--follow takes exactly one file")
	}
	var results []Result
	var errs []error
	for _, f := range files {
		if ctx.Err() != nil {
			break
		}
		r, err := ingestFile(ctx, st, f, opt)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f, err))
			continue
		}
		results = append(results, r)
	}
	return results, errors.Join(errs...)
}

// oneThread sets DuckDB's worker threads to one while the ingest runs and
// returns the function that restores the earlier number. DuckDB runs a
// COMMIT as a task: when its worker thread takes it, the connection's own
// thread spins on the task queue until it is done, burning a core the
// parser needs (12% of the CPU of a Defender load, measured with perf;
// 1M records took 7.2–7.6 CPU µs each with one thread, 8.3–9.1 with two).
// The ingest keeps the cores busy itself: the COMMIT of one batch runs
// while the next is parsed and appended. A store whose configuration is
// locked keeps its setting.
func oneThread(ctx context.Context, st *store.Store) func() {
	var n int64
	if err := st.DB.QueryRowContext(ctx, `SELECT current_setting('threads')::BIGINT`).Scan(&n); err != nil || n <= 1 {
		return func() {}
	}
	if _, err := st.DB.ExecContext(ctx, `SET GLOBAL threads = 1`); err != nil {
		return func() {}
	}
	return func() {
		st.DB.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("SET GLOBAL threads = %d", n))
	}
}

func expand(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(q string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if strings.HasPrefix(d.Name(), ".") && q != p {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() {
				out = append(out, q)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func fileHash(f *os.File, n int64) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, n)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// lookup finds the file's earlier state: by the hash of its first bytes,
// or, for a file that was shorter than hashLen then and has grown since,
// by the hash of as many bytes as were hashed then.
func lookup(ctx context.Context, st *store.Store, f *os.File, hash string, n int64) (*fileState, error) {
	// The latest progress row of each file.
	q := "SELECT seq, " + metaColumns + ` FROM (SELECT *, row_number() OVER (PARTITION BY id ORDER BY seq DESC) AS rn
		FROM quarry_meta.ingest_progress) WHERE rn = 1 AND `
	scan := func(rows *sql.Rows) (*fileState, error) {
		var s fileState
		err := rows.Scan(append([]any{&s.Seq}, s.scanArgs()...)...)
		return &s, err
	}
	rows, err := st.DB.QueryContext(ctx, q+"hash = ? AND hash_len = ?", hash, n)
	if err != nil {
		return nil, err
	}
	if rows.Next() {
		s, err := scan(rows)
		rows.Close()
		return s, err
	}
	rows.Close()
	rows, err = st.DB.QueryContext(ctx, q+"hash_len < ? ORDER BY hash_len DESC", n)
	if err != nil {
		return nil, err
	}
	var cands []*fileState
	for rows.Next() {
		s, err := scan(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		cands = append(cands, s)
	}
	rows.Close()
	for _, s := range cands {
		h, err := fileHash(f, s.HashLen)
		if err != nil {
			return nil, err
		}
		if h == s.Hash {
			return s, nil
		}
	}
	return nil, nil
}

func ingestFile(ctx context.Context, st *store.Store, path string, opt Options) (Result, error) {
	res := Result{Path: path, Rows: map[string]int64{}}
	f, err := os.Open(path)
	if err != nil {
		return res, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return res, err
	}
	size := fi.Size()
	n := min(size, hashLen)
	hash, err := fileHash(f, n)
	if err != nil {
		return res, err
	}
	prev, err := lookup(ctx, st, f, hash, n)
	if err != nil {
		return res, fmt.Errorf("ingest progress: %w", err)
	}
	name := opt.Source
	if prev != nil && name == "" {
		name = prev.Source
	}
	head := make([]byte, min(size, 256<<10))
	if _, err := io.ReadFull(io.NewSectionReader(f, 0, int64(len(head))), head); err != nil {
		return res, err
	}
	utf16, _ := source.IsUTF16(head)
	if utf16 {
		// Exchange Online exports come in UTF-16: decode it. Byte offsets
		// then do not map to the file, so a resumed run parses from the
		// start and drops the rows already committed.
		head, _ = io.ReadAll(source.NewUTF16Reader(bytes.NewReader(head)))
	}
	if name == "" {
		if name = Detect(head); name == "" {
			return res, fmt.Errorf("cannot tell the format; give --source (%s)", strings.Join(SourceNames(), ", "))
		}
	}
	res.Source = name
	// The writer commits even after an interrupt: what was parsed is kept.
	w, err := newWriter(context.WithoutCancel(ctx), st, opt.BatchSize)
	if err != nil {
		return res, err
	}
	defer w.close()
	w.displayPath = path
	w.noSafe = utf16
	w.onCommit = opt.OnCommit
	var start, firstLine int64 = 0, 1
	switch {
	case prev == nil:
		w.state = fileState{ID: hash, Source: name,
			RejectsPath: filepath.Join(opt.RejectsDir, filepath.Base(path)+"."+hash[:12]+".rejects")}
		w.state.Hash, w.state.HashLen, w.state.Path, w.state.Size = hash, n, path, size
	case prev.Complete && size == prev.Size && !opt.Follow:
		res.AlreadyLoaded = true
		res.Records, res.Rejected, res.Skipped = prev.Records, prev.Rejected, prev.Skipped
		res.Loaded = res.Records - res.Rejected
		res.RejectsPath = prev.RejectsPath
		return res, nil
	case size < prev.Size:
		return res, fmt.Errorf("file is shorter than when it was loaded (%d < %d bytes) but starts the same; refusing to guess what changed", size, prev.Size)
	default:
		// The file grew since a complete load (an appended log), or an
		// earlier run was interrupted: start again at the last safe point
		// with fresh parser state, and drop the rows the earlier run
		// committed after it, which the deterministic parsers reproduce in
		// the same order. Rows written by the end-of-input flush of a
		// complete load are deleted and produced again from the grown file.
		w.state = *prev
		res.Resumed = true
		start, firstLine = prev.SafeOffset, prev.SafeLine+1
		w.skipUntil = prev.Rows
		if prev.Complete {
			w.skipUntil = prev.RowsBeforeFlush
			if err := w.dropFlushed(); err != nil {
				return res, err
			}
		}
		s := &w.state
		s.Rows, s.Records, s.Rejected, s.Skipped, s.RejectsBytes = s.SafeRows, s.SafeRecords, s.SafeRejected, s.SafeSkipped, s.SafeRejectsBytes
		s.RowsBeforeFlush = 0
		// Cut the rejects file back to the safe point; the rejects after
		// it are written again.
		if _, err := os.Stat(s.RejectsPath); err == nil {
			if err := w.openRejects(); err != nil {
				return res, err
			}
		}
	}
	w.state.Hash, w.state.HashLen, w.state.Path, w.state.Size = hash, n, path, size
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return res, err
	}
	var in io.Reader = f
	if utf16 {
		in = source.NewUTF16Reader(f)
	}
	lines := source.NewLines(in, start, firstLine)
	sink := newAsyncSink(w)
	sink.offset = lines.Offset
	sink.pos.Store(start)
	sinkOpen := true
	defer func() {
		if sinkOpen {
			sink.close()
		}
	}()
	if opt.Progress != nil {
		bar := progressbar.NewOptions64(size,
			progressbar.OptionSetWriter(opt.Progress),
			progressbar.OptionShowBytes(true),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetDescription(filepath.Base(path)))
		t0 := time.Now()
		r0 := w.state.Records
		w.progress = func(w *writer) {
			rate := float64(w.state.Records-r0) / max(time.Since(t0).Seconds(), 1e-3)
			bar.Describe(fmt.Sprintf("%s %s records, %.0f records/s", filepath.Base(path), commas(w.state.Records), rate))
			bar.Set64(sink.pos.Load())
		}
		defer bar.Finish()
	}
	var fl *follower
	if opt.Follow {
		fl = &follower{ctx: ctx, path: path, f: f, lines: lines, w: w, sink: sink, opt: opt, res: &res}
		lines.Wait = fl.wait
		lines.OnSwitch = fl.onSwitch
		defer func() { fl.f.Close() }()
	}
	cfg := source.Config{Org: opt.Org, Year: opt.Year, Loc: opt.Loc, Follow: opt.Follow}
	perr := parsers[name].Parse(ctx, lines, sink, cfg)
	sinkOpen = false
	if err := sink.close(); perr == nil {
		perr = err
	}
	if perr == nil {
		perr = lines.Err()
	}
	if perr == nil && fl != nil {
		perr = fl.err
	}
	if perr == nil && ctx.Err() != nil && !opt.Follow {
		perr = ctx.Err()
	}
	if perr != nil {
		w.rollback()
		if errors.Is(perr, context.Canceled) {
			return res, fmt.Errorf("interrupted; the batches committed so far are kept, run the same command again to resume")
		}
		return res, perr
	}
	if w.skipUntil > w.state.Rows {
		return res, fmt.Errorf("the file produced %d rows but an earlier run committed %d: it changed in place; remove its rows from quarry_meta.ingest_progress to load it again", w.state.Rows, w.skipUntil)
	}
	complete := true
	if opt.Follow {
		// Stopped while following: the file will grow. Leave the entry
		// incomplete so the next run resumes at the last safe point,
		// where no message was in flight.
		complete = false
		w.state.Size = lines.Offset()
	} else if !w.flushing {
		// Nothing is pending at the end: the end is a safe point.
		w.Safe(lines.Offset(), lines.No())
	}
	if err := w.commit(complete); err != nil {
		return res, err
	}
	res.Records += w.state.Records
	res.Rejected += w.state.Rejected
	res.Skipped += w.state.Skipped
	res.Loaded = res.Records - res.Rejected
	res.Rows = w.rowsByTable
	if w.state.Rejected > 0 {
		res.RejectsPath = w.state.RejectsPath
	}
	return res, nil
}

// follower implements follow mode: it waits for the file to grow and
// notices rotation (the path names a new file, or the file was truncated
// in place), then continues with the new file from its start.
type follower struct {
	ctx   context.Context
	path  string
	f     *os.File
	next  *os.File
	lines *source.Lines
	w     *writer
	sink  *asyncSink
	opt   Options
	res   *Result
	err   error
}

func (fl *follower) wait() bool {
	poll := fl.opt.Poll
	if poll <= 0 {
		poll = 500 * time.Millisecond
	}
	for {
		if fl.err != nil {
			return false
		}
		select {
		case <-fl.ctx.Done():
			return false
		case <-time.After(poll):
		}
		cur, err := fl.f.Stat()
		if err != nil {
			fl.err = err
			return false
		}
		if cur.Size() > fl.lines.Offset() {
			return true
		}
		fi, err := os.Stat(fl.path)
		if err != nil || fi.Size() == 0 {
			continue // between rename and re-creation, or nothing written yet
		}
		if os.SameFile(fi, cur) && fi.Size() >= fl.lines.Offset() {
			continue
		}
		nf, err := os.Open(fl.path)
		if err != nil {
			continue
		}
		fl.next = nf
		fl.lines.Switch(nf)
		return true
	}
}

// onSwitch closes the old file's entry as complete and starts the new
// file's. Parser state (messages in flight) carries over.
func (fl *follower) onSwitch() {
	w := fl.w
	if err := fl.sink.sync(); err != nil {
		fl.err = err
		return
	}
	w.state.Size = fl.lines.Offset()
	if err := w.commit(true); err != nil {
		fl.err = err
		return
	}
	fl.res.Records += w.state.Records
	fl.res.Rejected += w.state.Rejected
	fl.res.Skipped += w.state.Skipped
	if w.rejects != nil {
		w.rejects.Close()
		w.rejects, w.rejectsBuf = nil, nil
	}
	fl.f.Close()
	fl.f, fl.next = fl.next, nil
	fi, err := fl.f.Stat()
	if err != nil {
		fl.err = err
		return
	}
	n := min(fi.Size(), hashLen)
	hash, err := fileHash(fl.f, n)
	if err != nil {
		fl.err = err
		return
	}
	w.state = fileState{ID: hash, Hash: hash, HashLen: n, Path: fl.path, Source: w.state.Source, Size: fi.Size(),
		RejectsPath: filepath.Join(fl.opt.RejectsDir, filepath.Base(fl.path)+"."+hash[:12]+".rejects")}
	w.skipUntil, w.flushing = 0, false
}
