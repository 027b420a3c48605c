package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/quarry-kql/quarry/kql/diag"
	"github.com/quarry-kql/quarry/kql/parser"
	"github.com/quarry-kql/quarry/kql/token"
)

// semanticCheck, when set (by the compiler's package in its own file of
// this command), reports semantic errors of a query that parses: unknown
// tables, columns and functions, type errors. Positions are relative to
// src; check adds the file name. `quarry check --syntax` skips it.
var semanticCheck func(src string) diag.List

// checkSyntaxOnly is `quarry check --syntax`.
var checkSyntaxOnly bool

var checkCmd = &cobra.Command{
	Use:   "check [FILE…|-]",
	Short: "Report errors in KQL queries",
	Long: `Check each KQL file (or standard input, with no file or "-") and print
every error found as file:line:col: message, one a line, on standard output.
The exit status is 1 if any error was found, 2 if a file could not be read.

Syntax is checked by quarry's parser, which agrees with Microsoft's
Kusto.Language parser on the real-world corpus. Unless --syntax is given,
queries that parse are also checked for semantic errors (unknown tables,
columns, functions) when that check is available.`,
	RunE: runCheck,
}

func init() {
	checkCmd.Flags().BoolVar(&checkSyntaxOnly, "syntax", false, "check syntax only")
	root.AddCommand(checkCmd)
}

func runCheck(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		args = []string{"-"}
	}
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	code := 0
	for _, name := range args {
		var src []byte
		var err error
		display := name
		if name == "-" {
			display = "<stdin>"
			src, err = io.ReadAll(cmd.InOrStdin())
		} else {
			src, err = os.ReadFile(name)
		}
		if err != nil {
			fmt.Fprintln(stderr, "quarry check:", err)
			code = 2
			continue
		}
		errs := checkSource(display, string(src), !checkSyntaxOnly)
		for _, d := range errs {
			fmt.Fprintln(stdout, d.Error())
		}
		if len(errs) > 0 && code == 0 {
			code = 1
		}
	}
	if code != 0 {
		return exitError{code}
	}
	return nil
}

// checkSource returns the syntax errors of src, then (when semantic is set
// and the text parses) its semantic errors, all naming the file.
func checkSource(name, src string, semantic bool) diag.List {
	_, errs := parser.ParseFile(token.NewFile(name, src))
	if len(errs) > 0 || !semantic || semanticCheck == nil {
		return errs
	}
	sem := semanticCheck(src)
	for i := range sem {
		sem[i].Pos.Filename = name
	}
	sem.Sort()
	return sem
}
