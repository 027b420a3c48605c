package engine

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/store"
)

// MaxExternalBytes caps what one externaldata source may download.
const MaxExternalBytes = 256 << 20

const stageSuffix = "__quarry_stage"

// ErrExternalRefused is returned when a query uses externaldata and the
// user did not allow it.
var ErrExternalRefused = errors.New("externaldata is disabled: run with --allow-external (optionally --allow-external=PREFIX,...) to let this query read it")

// AllowPrefixes returns an AllowExternal policy: with no prefixes every
// source is allowed; otherwise a URL (or file path) must start with one of
// the prefixes. A prefix naming a directory allows the files below it, not
// a sibling whose name merely starts the same way.
func AllowPrefixes(prefixes ...string) func(string) error {
	return func(u string) error {
		if len(prefixes) == 0 {
			return nil
		}
		target := u
		if p, ok := localPath(u); ok {
			target = p
		}
		for _, pre := range prefixes {
			pre = strings.TrimSpace(pre)
			if pre == "" {
				continue
			}
			if lp, ok := localPath(pre); ok && !strings.Contains(pre, "://") || strings.HasPrefix(pre, "file://") {
				lp = filepath.Clean(lp)
				if target == lp || strings.HasPrefix(target, strings.TrimSuffix(lp, string(filepath.Separator))+string(filepath.Separator)) {
					return nil
				}
				continue
			}
			if strings.HasPrefix(u, pre) {
				return nil
			}
		}
		return fmt.Errorf("%s is not under an allowed prefix (%s)", u, strings.Join(prefixes, ", "))
	}
}

// localPath reports whether u names a local file (a path or file:// URL)
// and returns its cleaned absolute path.
func localPath(u string) (string, bool) {
	if strings.HasPrefix(u, "file://") {
		pu, err := url.Parse(u)
		if err != nil {
			return "", false
		}
		return filepath.Clean(pu.Path), true
	}
	if strings.Contains(u, "://") {
		return "", false
	}
	abs, err := filepath.Abs(u)
	if err != nil {
		return "", false
	}
	return abs, true
}

// fetch reads one externaldata source: an http(s) URL or a local file.
func fetch(ctx context.Context, u string) ([]byte, error) {
	if p, ok := localPath(u); ok {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return readCapped(f, u)
	}
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") {
		return nil, fmt.Errorf("externaldata: %s: only http, https and local files are supported", u)
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("externaldata: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("externaldata: %s: %s", u, resp.Status)
	}
	return readCapped(resp.Body, u)
}

func readCapped(r io.Reader, u string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxExternalBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxExternalBytes {
		return nil, fmt.Errorf("externaldata: %s is larger than %d MB", u, MaxExternalBytes>>20)
	}
	return b, nil
}

// parseExternal splits a source into records of text or JSON values, per
// externaldata's format: csv (default), tsv, psv, scsv, txt (one record a
// line, one column), json/multijson/jsonl (objects matched to columns by
// name).
func parseExternal(data []byte, format string, x External, emit func(get func(i int) (any, bool)) error) error {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	f := strings.ToLower(format)
	switch f {
	case "", "csv", "tsv", "tsve", "psv", "scsv", "sohsv":
		r := csv.NewReader(bytes.NewReader(data))
		r.FieldsPerRecord = -1
		r.LazyQuotes = true
		switch f {
		case "tsv", "tsve":
			r.Comma = '\t'
		case "psv":
			r.Comma = '|'
		case "scsv":
			r.Comma = ';'
		case "sohsv":
			r.Comma = '\x01'
		}
		for {
			rec, err := r.Read()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := emit(func(i int) (any, bool) {
				if i < len(rec) {
					return rec[i], true
				}
				return nil, false
			}); err != nil {
				return err
			}
		}
	case "txt", "raw":
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 1<<20), MaxExternalBytes)
		for sc.Scan() {
			line := strings.TrimSuffix(sc.Text(), "\r")
			if err := emit(func(i int) (any, bool) { return line, i == 0 }); err != nil {
				return err
			}
		}
		return sc.Err()
	case "json", "multijson", "jsonl", "singlejson":
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		for {
			var v any
			if err := d.Decode(&v); err == io.EOF {
				return nil
			} else if err != nil {
				return fmt.Errorf("invalid JSON: %w", err)
			}
			objs, ok := v.([]any)
			if !ok {
				objs = []any{v}
			}
			for _, o := range objs {
				m, _ := o.(map[string]any)
				if err := emit(func(i int) (any, bool) {
					val, ok := m[x.Columns[i].Name]
					return val, ok
				}); err != nil {
					return err
				}
			}
		}
	}
	return fmt.Errorf("externaldata: format %q is not supported (csv, tsv, psv, scsv, txt, json, multijson)", format)
}

// materialise downloads an externaldata source the user allowed and
// stores it as a temp table on conn, typed by its declared columns. Rows
// whose values do not convert fail the query with the URL and record
// number.
func materialise(ctx context.Context, conn *sql.Conn, x External, allow func(string) error) error {
	if allow == nil {
		return ErrExternalRefused
	}
	for _, u := range x.URLs {
		if err := allow(u); err != nil {
			return err
		}
	}
	var defs, sel []string
	for _, c := range x.Columns {
		typ := store.SQLType(c.Type)
		if c.Type == types.Dynamic || c.Type == types.Decimal || c.Type == types.GUID {
			sel = append(sel, "CAST("+store.QuoteIdent(c.Name)+" AS "+typ+")")
			typ = "VARCHAR"
		} else {
			sel = append(sel, store.QuoteIdent(c.Name))
		}
		defs = append(defs, store.QuoteIdent(c.Name)+" "+typ)
	}
	stage := x.Table + stageSuffix
	if _, err := conn.ExecContext(ctx, "CREATE TEMP TABLE "+store.QuoteIdent(stage)+" ("+strings.Join(defs, ", ")+")"); err != nil {
		return fmt.Errorf("externaldata: %w", err)
	}
	var app *duckdb.Appender
	if err := conn.Raw(func(dc any) error {
		var e error
		app, e = duckdb.NewAppender(dc.(driver.Conn), "temp", "main", stage)
		return e
	}); err != nil {
		return fmt.Errorf("externaldata: %w", err)
	}
	vals := make([]driver.Value, len(x.Columns))
	var appendErr error
	for _, u := range x.URLs {
		data, err := fetch(ctx, u)
		if err != nil {
			app.Close()
			return err
		}
		n := 0
		err = parseExternal(data, x.Format, x, func(get func(int) (any, bool)) error {
			n++
			if n == 1 && x.IgnoreFirstRecord {
				return nil
			}
			for i, c := range x.Columns {
				raw, _ := get(i)
				v, err := store.ConvertValue(c.Type, raw, true)
				if err != nil {
					return fmt.Errorf("externaldata %s: record %d, column %s: %v", u, n, c.Name, err)
				}
				vals[i] = v
			}
			return app.AppendRow(vals...)
		})
		if err != nil {
			appendErr = err
			break
		}
	}
	if err := app.Close(); err != nil && appendErr == nil {
		appendErr = err
	}
	if appendErr != nil {
		return appendErr
	}
	q := "CREATE TEMP TABLE " + store.QuoteIdent(x.Table) + " AS SELECT " + strings.Join(sel, ", ") + " FROM temp.main." + store.QuoteIdent(stage)
	if _, err := conn.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("externaldata: %w", err)
	}
	return nil
}
