package web

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
)

// validate checks v (decoded JSON) against an OpenAPI 3.0 schema: $ref,
// type, nullable, required, properties, additionalProperties, items, enum.
func validate(doc, schema map[string]any, v any, path string) []string {
	if ref, ok := schema["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		s, ok := doc["components"].(map[string]any)["schemas"].(map[string]any)[name].(map[string]any)
		if !ok {
			return []string{path + ": unknown $ref " + ref}
		}
		return validate(doc, s, v, path)
	}
	if v == nil {
		if schema["nullable"] == true || schema["type"] == nil {
			return nil
		}
		return []string{path + ": null"}
	}
	var errs []string
	if enum, ok := schema["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			if e == v {
				found = true
			}
		}
		if !found {
			errs = append(errs, fmt.Sprintf("%s: %v not in %v", path, v, enum))
		}
	}
	switch schema["type"] {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %T, want object", path, v)}
		}
		for _, r := range asList(schema["required"]) {
			if _, ok := obj[r.(string)]; !ok {
				errs = append(errs, path+": lacks required "+r.(string))
			}
		}
		props, _ := schema["properties"].(map[string]any)
		for k, val := range obj {
			if ps, ok := props[k].(map[string]any); ok {
				errs = append(errs, validate(doc, ps, val, path+"."+k)...)
			} else if ap, ok := schema["additionalProperties"].(map[string]any); ok {
				errs = append(errs, validate(doc, ap, val, path+"."+k)...)
			} else if schema["additionalProperties"] == false {
				errs = append(errs, path+": unexpected "+k)
			}
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %T, want array", path, v)}
		}
		if items, ok := schema["items"].(map[string]any); ok {
			for i, e := range arr {
				errs = append(errs, validate(doc, items, e, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	case "string":
		if _, ok := v.(string); !ok {
			errs = append(errs, fmt.Sprintf("%s: %T, want string", path, v))
		}
	case "integer":
		if f, ok := v.(float64); !ok || f != math.Trunc(f) {
			errs = append(errs, fmt.Sprintf("%s: %v, want integer", path, v))
		}
	case "number":
		if _, ok := v.(float64); !ok {
			errs = append(errs, fmt.Sprintf("%s: %T, want number", path, v))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			errs = append(errs, fmt.Sprintf("%s: %T, want boolean", path, v))
		}
	}
	return errs
}

func asList(v any) []any { l, _ := v.([]any); return l }

// TestOpenAPIMatchesResponses checks every documented answer of the API
// against the schema openapi.json gives for it.
func TestOpenAPIMatchesResponses(t *testing.T) {
	s, _ := newTestServer(Config{})
	var doc map[string]any
	if err := json.Unmarshal(openapiJSON, &doc); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		method, path, target, body string
		status                     int
	}{
		{"get", "/api/rules", "/api/rules", "", 200},
		{"get", "/api/rules/{id}", "/api/rules/6b478186-da3b-4d71-beaa-aa5b42908499", "", 200},
		{"get", "/api/rules/{id}", "/api/rules/nope", "", 404},
		{"get", "/api/coverage", "/api/coverage", "", 200},
		{"get", "/api/tables", "/api/tables", "", 200},
		{"get", "/api/functions", "/api/functions", "", 200},
		{"post", "/api/query", "/api/query", `{"query":"T | render piechart","chart":true}`, 200},
		{"post", "/api/query", "/api/query", `{"query":"T | broken"}`, 400},
		{"post", "/api/explain", "/api/explain", `{"query":"T"}`, 200},
	}
	for _, c := range cases {
		rec := do(t, s, strings.ToUpper(c.method), c.target, c.body, nil)
		if rec.Code != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.target, rec.Code, c.status)
			continue
		}
		op := doc["paths"].(map[string]any)[c.path].(map[string]any)[c.method].(map[string]any)
		resp, ok := op["responses"].(map[string]any)[fmt.Sprint(c.status)].(map[string]any)
		if !ok {
			t.Errorf("%s %s: status %d is not documented", c.method, c.path, c.status)
			continue
		}
		schema := resp["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
		var v any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		for _, e := range validate(doc, schema, v, c.target) {
			t.Errorf("%s %s: %s", c.method, c.target, e)
		}
	}
	// the validator itself rejects a wrong shape
	bad := validate(doc, map[string]any{"$ref": "#/components/schemas/QueryResponse"}, map[string]any{"columns": "x", "rows": []any{}, "rowCount": 1.5}, "q")
	if len(bad) < 3 {
		t.Errorf("validator missed errors: %v", bad)
	}
}
