package engine

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/quarry-kql/quarry/kql/types"
)

// WriteCSV writes the result as RFC 4180 CSV with a header row of column
// names, each cell as FormatValue prints it. Lines end in "\n".
func WriteCSV(w io.Writer, r *Result) error {
	cw := csv.NewWriter(w)
	rec := make([]string, len(r.Columns))
	for i, c := range r.Columns {
		rec[i] = c.Name
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	for _, row := range r.Rows {
		for i, c := range r.Columns {
			rec[i] = FormatValue(c.Type, row[i])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// maxCellWidth is where WriteTable cuts long cells.
const maxCellWidth = 60

// WriteTable writes the result as an aligned text table for a terminal:
// a header, a rule, the rows, and a line counting the rows.
func WriteTable(w io.Writer, r *Result) error {
	bw := bufio.NewWriter(w)
	cells := make([][]string, len(r.Rows)+1)
	width := make([]int, len(r.Columns))
	head := make([]string, len(r.Columns))
	for i, c := range r.Columns {
		head[i] = c.Name
		width[i] = utf8.RuneCountInString(c.Name)
	}
	cells[0] = head
	for j, row := range r.Rows {
		line := make([]string, len(r.Columns))
		for i, c := range r.Columns {
			s := strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(FormatValue(c.Type, row[i]))
			if utf8.RuneCountInString(s) > maxCellWidth {
				s = string([]rune(s)[:maxCellWidth-1]) + "…"
			}
			line[i] = s
			if n := utf8.RuneCountInString(s); n > width[i] {
				width[i] = n
			}
		}
		cells[j+1] = line
	}
	right := make([]bool, len(r.Columns))
	for i, c := range r.Columns {
		right[i] = c.Type.IsNumeric()
	}
	for j, line := range cells {
		for i, s := range line {
			if i > 0 {
				bw.WriteString("  ")
			}
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(s))
			if right[i] {
				bw.WriteString(pad + s)
			} else if i == len(line)-1 {
				bw.WriteString(s)
			} else {
				bw.WriteString(s + pad)
			}
		}
		bw.WriteByte('\n')
		if j == 0 {
			for i := range line {
				if i > 0 {
					bw.WriteString("  ")
				}
				bw.WriteString(strings.Repeat("-", width[i]))
			}
			bw.WriteByte('\n')
		}
	}
	n := len(r.Rows)
	note := fmt.Sprintf("(%d row%s", n, plural(n))
	if r.Truncated {
		note += ", truncated"
	}
	bw.WriteString(note + ")\n")
	return bw.Flush()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// jsonCell returns a cell as a JSON value: numbers and bools as JSON
// scalars, dynamic values as embedded JSON, everything else (datetime,
// timespan, guid, decimal, non-finite reals) as its FormatValue text.
func jsonCell(t types.Type, v any) any {
	if v == nil {
		return nil
	}
	switch x := v.(type) {
	case bool, int32, int64:
		return x
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return formatReal(x)
		}
		return json.Number(formatRealJSON(x))
	case time.Time, time.Duration:
		return FormatValue(t, v)
	}
	if t == types.Dynamic {
		return jsonSafe(v)
	}
	return FormatValue(t, v)
}

func writeObject(bw *bufio.Writer, r *Result, row []any) error {
	bw.WriteByte('{')
	for i, c := range r.Columns {
		if i > 0 {
			bw.WriteByte(',')
		}
		k, _ := marshalCompact(c.Name)
		bw.Write(k)
		bw.WriteByte(':')
		v, err := marshalCompact(jsonCell(c.Type, row[i]))
		if err != nil {
			return err
		}
		bw.Write(v)
	}
	bw.WriteByte('}')
	return nil
}

// WriteJSONL writes one JSON object per row, keys in column order.
func WriteJSONL(w io.Writer, r *Result) error {
	bw := bufio.NewWriter(w)
	for _, row := range r.Rows {
		if err := writeObject(bw, r, row); err != nil {
			return err
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// WriteJSON writes {"columns":[{"name":..,"type":..},...],"rows":[{...},...]},
// with rows as objects keyed by column name, in column order, and
// "truncated":true when MaxRows cut the result.
func WriteJSON(w io.Writer, r *Result) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(`{"columns":[`)
	for i, c := range r.Columns {
		if i > 0 {
			bw.WriteByte(',')
		}
		k, _ := marshalCompact(c.Name)
		fmt.Fprintf(bw, `{"name":%s,"type":%q}`, k, c.Type.String())
	}
	bw.WriteString(`],"rows":[`)
	for j, row := range r.Rows {
		if j > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n")
		if err := writeObject(bw, r, row); err != nil {
			return err
		}
	}
	bw.WriteString("]")
	if r.Truncated {
		bw.WriteString(`,"truncated":true`)
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

// Write writes the result in format "table", "csv", "json" or "jsonl".
func Write(w io.Writer, format string, r *Result) error {
	switch format {
	case "", "table":
		return WriteTable(w, r)
	case "csv":
		return WriteCSV(w, r)
	case "json":
		return WriteJSON(w, r)
	case "jsonl":
		return WriteJSONL(w, r)
	}
	return fmt.Errorf("unknown format %q (want table, csv, json or jsonl)", format)
}
