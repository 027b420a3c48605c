// Command gen writes attack/enterprise.json.gz, the compact ATT&CK
// snapshot embedded in quarry, from a STIX bundle (MITRE's
// enterprise-attack.json, or the test fixture). It is what `go generate
// ./attack` runs; `quarry attack compact` does the same from the CLI.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/quarry-kql/quarry/attack"
)

func main() {
	out := flag.String("o", "enterprise.json.gz", "output file")
	flag.Parse()
	in := os.Getenv("ATTACK_STIX")
	switch {
	case flag.NArg() == 1:
		in = flag.Arg(0)
	case flag.NArg() > 1:
		fmt.Fprintln(os.Stderr, "usage: gen [-o enterprise.json.gz] [enterprise-attack.json]")
		os.Exit(2)
	case in == "":
		in = "testdata/enterprise-attack.fixture.json"
	}
	if err := attack.CompactFile(in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
