package main

import (
	"context"
	"os"
	"sync"

	"github.com/quarry-kql/quarry/compile"
	"github.com/quarry-kql/quarry/kql/check"
	"github.com/quarry-kql/quarry/kql/diag"
	"github.com/quarry-kql/quarry/store"
)

// checkCatalog is the catalog `quarry check` binds against: the built-in
// schemas plus the tables of the store, when the database exists and can
// be opened read-only; otherwise the built-in schemas alone.
var checkCatalog = sync.OnceValue(func() check.Catalog {
	path := databasePath()
	if _, err := os.Stat(path); err != nil {
		return compile.BuiltinCatalog{}
	}
	st, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		return compile.BuiltinCatalog{}
	}
	defer st.Close()
	cat, err := st.Catalog(context.Background())
	if err != nil {
		return compile.BuiltinCatalog{}
	}
	return cat
})

func init() {
	semanticCheck = func(src string) diag.List {
		return compile.Check(src, "", checkCatalog())
	}
}
