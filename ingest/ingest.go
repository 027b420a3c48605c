// Package ingest loads mail telemetry files into the EmailEvents family of
// tables. It detects each file's format, runs the format's parser (package
// ingest/defender, exchange, exotrace or postfix), and writes rows with the
// DuckDB appender in one transaction per batch, together with the file's
// progress in quarry_meta.ingest_files, so that an interrupted or repeated
// run never loads a record twice. Records that cannot be loaded go to a
// rejects file with file:line and a reason, and every record is counted in
// the summary.
package ingest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/quarry-kql/quarry/ingest/org"
	"github.com/quarry-kql/quarry/ingest/source"
	"github.com/quarry-kql/quarry/store"
)

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
	// BatchSize is the number of rows per transaction (default 100,000).
	BatchSize int
	// Progress, when non-nil, gets a progress bar (a terminal).
	Progress io.Writer
	// Follow tails the (single) input and loads new lines as they come,
	// surviving rotation, until the context is cancelled.
	Follow bool
	// Poll is the follow mode's polling interval (default 500ms).
	Poll time.Duration
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
		fmt.Fprintf(&b, "; %s lines skipped (not %s records)", commas(r.Skipped), r.Source)
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
		opt.BatchSize = 100_000
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
	if _, err := st.DB.ExecContext(ctx, metaDDL); err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
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
	q := `SELECT id, hash, hash_len, path, source, size, safe_offset, lines, rows, records, rejected, skipped,
		rejects_path, rejects_bytes, complete FROM quarry_meta.ingest_files `
	scan := func(rows *sql.Rows) (*fileState, error) {
		var s fileState
		err := rows.Scan(&s.ID, &s.Hash, &s.HashLen, &s.Path, &s.Source, &s.Size, &s.SafeOffset, &s.Lines,
			&s.Rows, &s.Records, &s.Rejected, &s.Skipped, &s.RejectsPath, &s.RejectsBytes, &s.Complete)
		return &s, err
	}
	rows, err := st.DB.QueryContext(ctx, q+"WHERE hash = ? AND hash_len = ?", hash, n)
	if err != nil {
		return nil, err
	}
	if rows.Next() {
		s, err := scan(rows)
		rows.Close()
		return s, err
	}
	rows.Close()
	rows, err = st.DB.QueryContext(ctx, q+"WHERE hash_len < ? ORDER BY hash_len DESC", n)
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
	if name == "" {
		head := make([]byte, min(size, 256<<10))
		if _, err := io.ReadFull(io.NewSectionReader(f, 0, int64(len(head))), head); err != nil {
			return res, err
		}
		if name = Detect(head); name == "" {
			return res, fmt.Errorf("cannot tell the format; give --source (%s)", strings.Join(SourceNames(), ", "))
		}
	}
	res.Source = name
	w, err := newWriter(ctx, st, opt.BatchSize)
	if err != nil {
		return res, err
	}
	defer w.close()
	w.displayPath = path
	var start, firstLine int64 = 0, 1
	switch {
	case prev == nil:
		w.state = fileState{ID: hash, Source: name,
			RejectsPath: filepath.Join(opt.RejectsDir, filepath.Base(path)+"."+hash[:12]+".rejects")}
	case prev.Complete && size == prev.Size && !opt.Follow:
		res.AlreadyLoaded = true
		res.Records, res.Rejected, res.Skipped = prev.Records, prev.Rejected, prev.Skipped
		res.Loaded = res.Records - res.Rejected
		res.RejectsPath = prev.RejectsPath
		return res, nil
	case size < prev.Size:
		return res, fmt.Errorf("file is shorter than when it was loaded (%d < %d bytes) but starts the same; refusing to guess what changed", size, prev.Size)
	case prev.Complete:
		// The file grew (an appended log): go on from the last safe point.
		w.state = *prev
		start, firstLine = prev.SafeOffset, prev.Lines+1
		res.Resumed = true
	default:
		// An earlier run was interrupted: parse again from the start and
		// drop what it already committed, which the deterministic parsers
		// reproduce in the same order.
		w.state = *prev
		w.skipRows, w.skipRejects = prev.Rows, prev.Rejected
		w.state.Rows, w.state.Records, w.state.Rejected, w.state.Skipped = 0, 0, 0, 0
		w.state.RejectsBytes = prev.RejectsBytes
		res.Resumed = true
	}
	w.state.Hash, w.state.HashLen, w.state.Path, w.state.Size = hash, n, path, size
	if res.Resumed && w.skipRejects > 0 {
		// Cut the rejects file back to what the last commit accounted for.
		if err := w.openRejects(); err != nil {
			return res, err
		}
	}
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return res, err
	}
	lines := source.NewLines(f, start, firstLine)
	w.lastLine = lines.No
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
			bar.Set64(lines.Offset())
		}
		defer bar.Finish()
	}
	if opt.Follow {
		lines.Wait = followWait(ctx, f, path, opt.Poll)
	}
	cfg := source.Config{Org: opt.Org, Year: opt.Year, Loc: opt.Loc, Follow: opt.Follow}
	perr := parsers[name].Parse(ctx, lines, w, cfg)
	if perr == nil {
		perr = lines.Err()
	}
	if perr == nil && ctx.Err() != nil && !opt.Follow {
		perr = ctx.Err()
	}
	if perr != nil {
		w.rollback()
		return res, perr
	}
	if w.skipRows > w.state.Rows {
		return res, fmt.Errorf("the file produced %d rows but an earlier run committed %d: it changed in place; remove its row from quarry_meta.ingest_files to load it again", w.state.Rows, w.skipRows)
	}
	w.state.SafeOffset = lines.Offset()
	w.state.Lines = lines.No()
	if end, err := f.Seek(0, io.SeekCurrent); err == nil && opt.Follow {
		w.state.Size = end
	}
	if err := w.commit(true); err != nil {
		return res, err
	}
	res.Records, res.Rejected, res.Skipped = w.state.Records, w.state.Rejected, w.state.Skipped
	res.Loaded = res.Records - res.Rejected
	res.Rows = w.rowsByTable
	if w.state.Rejected > 0 {
		res.RejectsPath = w.state.RejectsPath
	}
	return res, nil
}

// followWait polls for new data until ctx is done.
func followWait(ctx context.Context, f *os.File, path string, poll time.Duration) func() bool {
	if poll <= 0 {
		poll = 500 * time.Millisecond
	}
	return func() bool {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(poll):
			return true
		}
	}
}
