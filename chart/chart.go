// Package chart draws the result of a KQL query as a chart, the way the
// render operator asks (timechart, linechart, areachart, columnchart,
// barchart, piechart, scatterchart and anomalychart, with their with(...)
// properties; from one row per point or from series columns as make-series
// writes them), or as a sensible default chart when the query has no
// render. It writes SVG for
// the web console and PNG for `quarry query --chart out.png`, from one
// layout.
package chart

import (
	"fmt"
	"io"
	"strings"

	"github.com/quarry-kql/quarry/schema"
)

// Render draws a chart of the result (cols, rows) in format "svg" or "png".
// spec is the query's render request, or nil for the default chart (see
// Default); it returns ErrNoChart when no chart fits.
//
// With an engine.Result res:
//
//	chart.Render(w, "svg", res.Columns, res.Rows, (*chart.Spec)(res.Render))
func Render(w io.Writer, format string, cols []schema.Column, rows [][]any, spec *Spec) error {
	m, err := Build(cols, rows, spec)
	if err != nil {
		return err
	}
	return Draw(w, format, m)
}

// Draw writes a built model in format "svg" or "png".
func Draw(w io.Writer, format string, m *Model) error {
	switch strings.ToLower(format) {
	case "svg":
		return writeSVG(w, m)
	case "png":
		return writePNG(w, m)
	}
	return fmt.Errorf("chart: format %q is not svg or png", format)
}

// FormatFromPath returns "svg" or "png" from a file name's extension.
func FormatFromPath(path string) (string, error) {
	lower := strings.ToLower(path)
	switch {
	case strings.HasSuffix(lower, ".svg"):
		return "svg", nil
	case strings.HasSuffix(lower, ".png"):
		return "png", nil
	}
	return "", fmt.Errorf("chart: %s: the file name must end in .svg or .png", path)
}
