package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/local"
	"github.com/kiln-dev/kiln/local/cachedir"
)

// cmdCache lists, prunes and cleans the caches of kiln build.
func cmdCache(a *app, args []string) error {
	fs := flag.NewFlagSet("cache", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the listing, or what was removed, as JSON")
	days := fs.Int("days", 30, "prune: remove what was not built or used for this many days")
	root := fs.String("cache-root", "", "the directory holding apps/ and runtimes/ (default: kiln under the user cache directory)")
	pos, _, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("usage: kiln %s", commands()["cache"].usage)
	}
	sub := pos[0]
	if sub == "list" {
		sub = "ls"
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case sub != "ls" && sub != "prune" && sub != "clean":
		msg := fmt.Sprintf("cache: unknown subcommand %q", pos[0])
		if s := closest(pos[0], []string{"ls", "list", "prune", "clean"}); s != "" {
			msg += fmt.Sprintf("; did you mean %s?", s)
		}
		return usagef("%s\nusage: kiln %s", msg, commands()["cache"].usage)
	case set["days"] && sub != "prune":
		return usagef("cache %s: --days is an option of kiln cache prune", sub)
	case *days < 0:
		return usagef("cache prune: --days %d: want a number of days, 0 or more", *days)
	case len(pos) > 2 || (len(pos) == 2 && sub != "clean"):
		return usagef("usage: kiln %s", commands()["cache"].usage)
	}
	layout, err := cacheLayout(a.env, *root)
	if err != nil {
		return err
	}
	switch sub {
	case "ls":
		ls, err := cachedir.List(layout)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(a.stdout, ls)
		}
		printCacheListing(a.stdout, ls)
		return nil
	case "prune":
		rs, err := cachedir.Prune(layout, time.Now().AddDate(0, 0, -*days))
		if perr := printRemovals(a.stdout, rs, *asJSON, fmt.Sprintf("Nothing to prune: every app cache was built, and every runtime used, in the last %d days.", *days)); err == nil {
			err = perr
		}
		return err
	default:
		app := ""
		if len(pos) == 2 {
			app = pos[1]
		}
		rs, err := cachedir.Clean(layout, app)
		none := "Nothing to clean: there are no caches."
		if app != "" {
			none = fmt.Sprintf("Nothing to clean: %s has no cache in %s.", app, layout.Apps)
		}
		if perr := printRemovals(a.stdout, rs, *asJSON, none); err == nil {
			err = perr
		}
		return err
	}
}

// cacheLayout is where kiln build keeps its caches: root (default
// local.DefaultCacheRoot) holds apps/ and runtimes/; KILN_RUNTIME_STORE
// names the store instead when set.
func cacheLayout(env buildpack.Env, root string) (cachedir.Layout, error) {
	if root == "" {
		var err error
		if root, err = local.DefaultCacheRoot(); err != nil {
			return cachedir.Layout{}, err
		}
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return cachedir.Layout{}, fmt.Errorf("resolving %s: %w", root, err)
	}
	store := runtimeStore(env)
	if store == "" {
		store = filepath.Join(root, "runtimes")
	}
	return cachedir.Layout{Apps: filepath.Join(root, "apps"), Store: store}, nil
}

func printCacheListing(w io.Writer, ls cachedir.Listing) {
	when := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.Local().Format("2006-01-02 15:04")
	}
	fmt.Fprintf(w, "App caches in %s\n", ls.AppsDir)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  SIZE\tLAST BUILD\tAPP")
	for _, a := range ls.Apps {
		name := a.App
		switch {
		case name == "":
			name = a.Dir + " (app not recorded: made by an older kiln or never built successfully)"
		case a.Gone:
			name += " (gone)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", humanBytes(a.Bytes), when(a.Built), name)
	}
	tw.Flush()
	if ls.StoreDir != "" {
		fmt.Fprintf(w, "Runtime store in %s\n", ls.StoreDir)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  SIZE\tLAST USED\tRUNTIME")
		for _, r := range ls.Runtimes {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", humanBytes(r.Bytes), when(r.Used), r.Name)
		}
		if ls.DownloadBytes > 0 {
			fmt.Fprintf(tw, "  %s\t\t%s\n", humanBytes(ls.DownloadBytes), "downloaded archives and headers")
		}
		tw.Flush()
	}
	fmt.Fprintf(w, "Total %s: app caches %s (%d), runtime store %s\n",
		humanBytes(ls.TotalBytes), humanBytes(ls.AppsBytes), len(ls.Apps), humanBytes(ls.StoreBytes))
}

// printRemovals prints a line per removal and the space freed (or none
// when nothing was removed), or all of it as JSON.
func printRemovals(w io.Writer, rs []cachedir.Removal, asJSON bool, none string) error {
	if rs == nil {
		rs = []cachedir.Removal{}
	}
	if asJSON {
		return writeJSON(w, struct {
			Removed []cachedir.Removal `json:"removed"`
			Freed   int64              `json:"freed_bytes"`
		}{rs, cachedir.Freed(rs)})
	}
	if len(rs) == 0 {
		fmt.Fprintln(w, none)
		return nil
	}
	for _, r := range rs {
		fmt.Fprintf(w, "Removed %s (%s)\n", describeRemoval(r), humanBytes(r.Bytes))
	}
	fmt.Fprintf(w, "Freed %s\n", humanBytes(cachedir.Freed(rs)))
	return nil
}

func describeRemoval(r cachedir.Removal) string {
	var s string
	switch r.Kind {
	case "app":
		s = "the cache of " + r.Name
	case "runtime":
		s = r.Name + " from the runtime store"
	default:
		s = "the kept " + strings.TrimSuffix(r.Name, "/")
	}
	if r.Why != "" {
		s += ": " + r.Why
	}
	return s
}
