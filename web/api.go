package web

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/quarry-kql/quarry/attack"
	"github.com/quarry-kql/quarry/chart"
	"github.com/quarry-kql/quarry/engine"
	"github.com/quarry-kql/quarry/enrich"
	"github.com/quarry-kql/quarry/kql/diag"
	"github.com/quarry-kql/quarry/kql/funcs"
	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/rules"
)

//go:embed openapi.json
var openapiJSON []byte

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// apiError is every error answer of the API.
type apiError struct {
	Error       string          `json:"error"`
	Diagnostics []apiDiagnostic `json:"diagnostics,omitempty"`
}

// apiDiagnostic is a query error at a position: line and column count from
// 1 (column in characters), offset is the byte offset in the query.
type apiDiagnostic struct {
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Offset  int    `json:"offset"`
	Message string `json:"message"`
}

func writeError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, apiError{Error: err.Error()})
}

// diagnostics pulls the positioned errors out of a query error.
func diagnostics(err error) []apiDiagnostic {
	var out []apiDiagnostic
	var list diag.List
	var one diag.Diagnostic
	var pl *diag.List
	var pd *diag.Diagnostic
	switch {
	case errors.As(err, &list):
	case errors.As(err, &pl):
		list = *pl
	case errors.As(err, &one):
		list = diag.List{one}
	case errors.As(err, &pd):
		list = diag.List{*pd}
	}
	for _, d := range list {
		out = append(out, apiDiagnostic{Line: d.Pos.Line, Column: d.Pos.Column, Offset: d.Pos.Offset, Message: d.Msg})
	}
	return out
}

type queryRequest struct {
	Query string `json:"query"`
	// Chart asks for the chart as SVG: the render operator's, or the
	// default one.
	Chart bool `json:"chart"`
	// MaxRows lowers the server's row cap for this query.
	MaxRows int `json:"maxRows"`
}

type apiColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

type apiRender struct {
	Kind  string            `json:"kind"`
	Props map[string]string `json:"props,omitempty"`
}

type apiChart struct {
	SVG     string `json:"svg,omitempty"`
	Default bool   `json:"default"`
	Error   string `json:"error,omitempty"`
}

type queryResponse struct {
	Columns   []apiColumn       `json:"columns"`
	Rows      [][]any           `json:"rows"`
	RowCount  int               `json:"rowCount"`
	Truncated bool              `json:"truncated"`
	Render    *apiRender        `json:"render,omitempty"`
	Chart     *apiChart         `json:"chart,omitempty"`
	ElapsedMS float64           `json:"elapsedMs"`
	Limits    map[string]string `json:"limits"`
}

// jsonCell turns a result cell into its JSON value: numbers and bools as
// JSON numbers and bools, dynamic as JSON, and every other type as Kusto's
// text for it (datetime ISO 8601 with Z, timespan [d.]hh:mm:ss, decimal and
// guid as text, NaN and infinities as text).
func jsonCell(t types.Type, v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case bool:
		return x
	case int32, int:
		return x
	case int64:
		if t == types.TimeSpan {
			return engine.FormatValue(t, x)
		}
		return x
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) || t == types.Decimal {
			return engine.FormatValue(t, x)
		}
		return x
	case string:
		if t == types.Dynamic {
			if json.Valid([]byte(x)) {
				return json.RawMessage(x)
			}
		}
		return x
	}
	s := engine.FormatValue(t, v)
	if t == types.Dynamic && json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	return s
}

func decodeJSONBody(r *http.Request, v any) error {
	ct := r.Header.Get("Content-Type")
	if ct != "application/json" && !strings.HasPrefix(ct, "application/json;") {
		return fmt.Errorf("the body must be JSON, sent with Content-Type: application/json (got %q)", ct)
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errBodyTooLarge{tooBig.Limit}
		}
		return fmt.Errorf("bad JSON body: %v", err)
	}
	return nil
}

type errBodyTooLarge struct{ limit int64 }

func (e errBodyTooLarge) Error() string {
	return fmt.Sprintf("the request body is larger than %d bytes", e.limit)
}

func bodyError(w http.ResponseWriter, err error) {
	if errors.As(err, new(errBodyTooLarge)) {
		writeError(w, http.StatusRequestEntityTooLarge, err)
		return
	}
	writeError(w, http.StatusBadRequest, err)
}

// handleQuery answers POST /api/query.
func (s *Server) handleQuery(w http.ResponseWriter, r *http.Request) {
	var req queryRequest
	if err := decodeJSONBody(r, &req); err != nil {
		bodyError(w, err)
		return
	}
	if strings.TrimSpace(req.Query) == "" {
		writeError(w, http.StatusBadRequest, errors.New(`the body needs a "query"`))
		return
	}
	maxRows := s.cfg.MaxRows
	if req.MaxRows > 0 && req.MaxRows < maxRows {
		maxRows = req.MaxRows
	}
	ctx, cancel := contextWithTimeout(r, s.cfg.QueryTimeout)
	defer cancel()
	release, err := s.acquire(ctx)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err)
		return
	}
	start := time.Now()
	res, err := s.queries.Query(ctx, req.Query, QueryOptions{MaxRows: maxRows, Timeout: s.cfg.QueryTimeout})
	release()
	elapsed := time.Since(start)
	if err != nil {
		s.queryError(w, err, context.Cause(ctx))
		return
	}
	out := queryResponse{
		Columns:   make([]apiColumn, len(res.Columns)),
		Rows:      make([][]any, len(res.Rows)),
		RowCount:  len(res.Rows),
		Truncated: res.Truncated,
		ElapsedMS: float64(elapsed.Microseconds()) / 1000,
		Limits:    map[string]string{"maxRows": fmt.Sprint(maxRows), "timeout": s.cfg.QueryTimeout.String()},
	}
	for i, c := range res.Columns {
		out.Columns[i] = apiColumn{Name: c.Name, Type: c.Type.String()}
	}
	for i, row := range res.Rows {
		cells := make([]any, len(row))
		for j, v := range row {
			var t types.Type
			if j < len(res.Columns) {
				t = res.Columns[j].Type
			}
			cells[j] = jsonCell(t, v)
		}
		out.Rows[i] = cells
	}
	if res.Render != nil {
		out.Render = &apiRender{Kind: res.Render.Kind, Props: res.Render.Props}
	}
	if req.Chart {
		out.Chart = renderChart(res)
	}
	writeJSON(w, http.StatusOK, out)
}

// renderChart draws the result's chart as SVG, or says why there is none.
func renderChart(res *Result) *apiChart {
	m, err := chart.Build(res.Columns, res.Rows, res.Render)
	if err != nil {
		if errors.Is(err, chart.ErrNoChart) {
			return nil
		}
		return &apiChart{Error: err.Error()}
	}
	var buf bytes.Buffer
	if err := chart.Draw(&buf, "svg", m); err != nil {
		return &apiChart{Error: err.Error()}
	}
	return &apiChart{SVG: buf.String(), Default: m.Default}
}

func (s *Server) queryError(w http.ResponseWriter, err, ctxErr error) {
	switch {
	case errors.Is(ctxErr, errTimeout) || errors.Is(err, errTimeout):
		writeError(w, http.StatusGatewayTimeout, fmt.Errorf("the query ran longer than %s and was cancelled", s.cfg.QueryTimeout))
		return
	}
	if d := diagnostics(err); len(d) > 0 {
		writeJSON(w, http.StatusBadRequest, apiError{Error: err.Error(), Diagnostics: d})
		return
	}
	writeError(w, http.StatusUnprocessableEntity, err)
}

type explainResponse struct {
	SQL string `json:"sql"`
}

// handleExplain answers POST /api/explain with the generated SQL.
func (s *Server) handleExplain(w http.ResponseWriter, r *http.Request) {
	var req queryRequest
	if err := decodeJSONBody(r, &req); err != nil {
		bodyError(w, err)
		return
	}
	sql, err := s.queries.Explain(req.Query)
	if err != nil {
		s.queryError(w, err, nil)
		return
	}
	writeJSON(w, http.StatusOK, explainResponse{SQL: sql})
}

type apiTable struct {
	Name    string      `json:"name"`
	Doc     string      `json:"doc,omitempty"`
	Stored  bool        `json:"stored"`
	Columns []apiColumn `json:"columns"`
}

// handleTables answers GET /api/tables, for completion.
func (s *Server) handleTables(w http.ResponseWriter, r *http.Request) {
	cat, err := s.queries.Catalog(r.Context())
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	out := make([]apiTable, 0, len(cat.Tables()))
	for _, t := range cat.Tables() {
		at := apiTable{Name: t.Name, Doc: t.Doc, Stored: cat.Stored(t.Name), Columns: []apiColumn{}}
		for _, c := range t.Columns {
			at.Columns = append(at.Columns, apiColumn{Name: c.Name, Type: c.Type.String()})
		}
		out = append(out, at)
	}
	writeJSON(w, http.StatusOK, out)
}

type apiFunction struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // "scalar" or "aggregate"
}

// functionList is the binder's function catalog, for completion.
var functionList = func() []apiFunction {
	var out []apiFunction
	for _, n := range funcs.Names() {
		f, _ := funcs.Lookup(n)
		kind := "scalar"
		if f.Kind == funcs.Aggregate {
			kind = "aggregate"
		}
		out = append(out, apiFunction{Name: n, Kind: kind})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}()

// handleFunctions answers GET /api/functions.
func (s *Server) handleFunctions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, functionList)
}

// ruleSummary is one rule in GET /api/rules.
type ruleSummary struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Severity   string   `json:"severity,omitempty"`
	Type       string   `json:"type"`
	Source     string   `json:"source"`
	Tactics    []string `json:"tactics,omitempty"`
	Techniques []string `json:"techniques,omitempty"`
	Tables     []string `json:"tables"`
	Tags       []string `json:"tags"`
	Runnable   bool     `json:"runnable"`
	Reasons    []string `json:"reasons,omitempty"`
	URL        string   `json:"url"`
}

// ruleDetail is GET /api/rules/{id}: everything the rule page shows.
type ruleDetail struct {
	Rule       *rules.Rule        `json:"rule"`
	Status     *rules.Status      `json:"status"`
	Enrichment *enrich.Enrichment `json:"enrichment"`
	Badges     []enrich.Badge     `json:"badges"`
	Tables     []string           `json:"tables"`
	References []string           `json:"references"`
}

func filterFromQuery(r *http.Request) Filter {
	q := r.URL.Query()
	return Filter{
		Filter: rules.Filter{
			Table: q.Get("table"), Tactic: q.Get("tactic"), Technique: q.Get("technique"),
			Severity: q.Get("severity"), Source: q.Get("source"), Text: q.Get("q"),
		},
		Runnable: q.Get("runnable"), Sort: q.Get("sort"),
	}
}

func (s *Server) allRules(r *http.Request) ([]*enrich.Page, error) {
	if s.rules == nil {
		return nil, nil
	}
	return s.rules.Rules(r.Context())
}

// handleRules answers GET /api/rules with the same filters as the feed.
func (s *Server) handleRules(w http.ResponseWriter, r *http.Request) {
	all, err := s.allRules(r)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	out := []ruleSummary{}
	for _, p := range filterFromQuery(r).Apply(all) {
		rs := ruleSummary{
			ID: p.Rule.ID, Name: p.Rule.Name, Severity: p.Rule.Severity, Type: p.Rule.Type(), Source: enrich.SourceLabel(p.Rule.Source.Repo),
			Tactics: p.Rule.Tactics, Techniques: p.Rule.Techniques, Tables: p.Tables(), Tags: enrich.Tags(p.Rule),
			Runnable: runnable(p), URL: "/rules/" + url.PathEscape(p.Rule.ID),
		}
		if p.Status != nil {
			rs.Reasons = p.Status.Reasons
		}
		if rs.Tables == nil {
			rs.Tables = []string{}
		}
		out = append(out, rs)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) findRule(r *http.Request, id string) (*enrich.Page, error) {
	all, err := s.allRules(r)
	if err != nil {
		return nil, err
	}
	for _, p := range all {
		if p.Rule.ID == id {
			return p, nil
		}
	}
	return nil, nil
}

// handleRule answers GET /api/rules/{id} with the whole rule.
func (s *Server) handleRule(w http.ResponseWriter, r *http.Request) {
	p, err := s.findRule(r, r.PathValue("id"))
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	if p == nil {
		writeError(w, http.StatusNotFound, fmt.Errorf("no rule with id %q", r.PathValue("id")))
		return
	}
	writeJSON(w, http.StatusOK, ruleDetail{
		Rule: p.Rule, Status: p.Status, Enrichment: p.Enrichment, Badges: p.Badges(), Tables: p.Tables(),
		References: enrich.References(p.Rule, p.Attack),
	})
}

func (s *Server) coverage(r *http.Request) (*attack.Coverage, error) {
	all, err := s.allRules(r)
	if err != nil {
		return nil, err
	}
	var d *attack.Data
	if s.rules != nil {
		d = s.rules.Attack()
	}
	if d == nil {
		if d, err = attack.Embedded(); err != nil {
			return nil, err
		}
	}
	return coverageOf(d, all), nil
}

// handleCoverage answers GET /api/coverage with the JSON of
// `quarry coverage --format json`.
func (s *Server) handleCoverage(w http.ResponseWriter, r *http.Request) {
	cov, err := s.coverage(r)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	var buf bytes.Buffer
	if err := cov.WriteJSON(&buf); err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(buf.Bytes())
}

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(openapiJSON)
}

// errTimeout is the cause of a query context that ran out of time.
var errTimeout = errors.New("query timeout")

func contextWithTimeout(r *http.Request, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(r.Context(), d, errTimeout)
}
