package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/quarry-kql/quarry/kql/format"
	"github.com/quarry-kql/quarry/kql/parser"
	"github.com/quarry-kql/quarry/kql/token"
)

// fmtWrite is `quarry fmt -w`: rewrite files in place; fmtList is
// `quarry fmt -l`: list the files whose text is not canonical.
var fmtWrite, fmtList bool

var fmtCmd = &cobra.Command{
	Use:   "fmt [FILE…|-]",
	Short: "Print KQL queries in canonical form",
	Long: `Print each KQL file (or standard input, with no file or "-") in the
canonical form: one tabular operator per line starting with "| ", two-space
indentation, spaces around binary operators. The canonical text parses to
the same syntax tree as the input, and keeps the input's // comments, each
before the same part of the query as in the input.

Files with syntax errors are reported as file:line:col: message on standard
error and left unformatted; the command then exits with status 1 (2 when a
file cannot be read or written). With -w the files are rewritten in place
(only when their text changes) instead of printed; with -l the names of
the files whose text is not in canonical form are printed instead.`,
	RunE: runFmt,
}

func init() {
	fmtCmd.Flags().BoolVarP(&fmtWrite, "write", "w", false, "write the result to each file instead of standard output")
	fmtCmd.Flags().BoolVarP(&fmtList, "list", "l", false, "list the files whose formatting differs instead of printing them")
	root.AddCommand(fmtCmd)
}

func runFmt(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		args = []string{"-"}
	}
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	code := 0
	fail := func(c int) {
		if c > code {
			code = c
		}
	}
	for _, name := range args {
		var src []byte
		var err error
		display := name
		if name == "-" {
			if fmtWrite {
				return fmt.Errorf("fmt -w: cannot write standard input back")
			}
			display = "<stdin>"
			src, err = io.ReadAll(cmd.InOrStdin())
		} else {
			src, err = os.ReadFile(name)
		}
		if err != nil {
			fmt.Fprintln(stderr, "quarry fmt:", err)
			fail(2)
			continue
		}
		out, ok := formatSource(stderr, display, string(src))
		if !ok {
			fail(1)
			continue
		}
		changed := !bytes.Equal(src, []byte(out))
		if fmtList && changed {
			fmt.Fprintln(stdout, display)
		}
		if fmtWrite {
			if changed {
				// An existing file keeps its permissions.
				if err := os.WriteFile(name, []byte(out), 0o644); err != nil {
					fmt.Fprintln(stderr, "quarry fmt:", err)
					fail(2)
				}
			}
			continue
		}
		if fmtList {
			continue
		}
		if _, err := io.WriteString(stdout, out); err != nil {
			return err
		}
	}
	if code != 0 {
		return exitError{code}
	}
	return nil
}

// formatSource parses src and returns its canonical text, comments kept;
// on syntax errors it reports them to w as name:line:col: message and
// returns false.
func formatSource(w io.Writer, name, src string) (string, bool) {
	s, errs := parser.ParseFile(token.NewFile(name, src))
	if len(errs) > 0 {
		for _, d := range errs {
			fmt.Fprintln(w, d.Error())
		}
		return "", false
	}
	return format.ScriptWithComments(s, format.Comments(src)), true
}
