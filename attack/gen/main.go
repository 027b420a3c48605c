// Command gen writes attack/enterprise.json.gz, the compact ATT&CK
// snapshot embedded in quarry, from MITRE's STIX data: the
// enterprise-attack.json bundle of attack-stix-data, or the
// enterprise-attack folder of a mitre/cti checkout. It is what `go
// generate ./attack` runs (input in ATTACK_STIX); `quarry attack compact`
// does the same from the CLI. See attack/README.md.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/quarry-kql/quarry/attack"
)

func main() {
	out := flag.String("o", "enterprise.json.gz", "output file")
	version := flag.String("version", os.Getenv("ATTACK_VERSION"), "ATT&CK release to record when the input names none")
	flag.Parse()
	in := os.Getenv("ATTACK_STIX")
	switch {
	case flag.NArg() == 1:
		in = flag.Arg(0)
	case flag.NArg() > 1:
		fmt.Fprintln(os.Stderr, "usage: gen [-o enterprise.json.gz] [-version V] [enterprise-attack.json|DIR]")
		os.Exit(2)
	case in == "":
		fmt.Fprintln(os.Stderr, "gen: give MITRE's enterprise-attack.json or a mitre/cti enterprise-attack folder, as an argument or in ATTACK_STIX (see attack/README.md)")
		os.Exit(2)
	}
	if err := attack.CompactFile(in, *out, *version); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
