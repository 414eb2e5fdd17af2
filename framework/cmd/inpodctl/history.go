package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/inpod/inpod/framework/incluster"
	"github.com/inpod/inpod/framework/report"
)

// historyOptions are the flags history and drift share.
type historyOptions struct {
	namespace, output string
}

func (o *historyOptions) bind(c *cobra.Command, outputs string) {
	c.Flags().StringVarP(&o.namespace, "namespace", "n", incluster.Namespace, "the namespace of the in-cluster runs' history")
	c.Flags().StringVarP(&o.output, "output", "o", "", "output format: "+outputs)
}

// read is the history in o.namespace of the cluster kubectl would reach, oldest first.
func (o *historyOptions) read(c *cobra.Command) ([]report.HistoryEntry, error) {
	if o.output != "" && o.output != "json" {
		return nil, usageError{fmt.Errorf("%s: -o %q: want json (or no -o for the table)", c.Name(), o.output)}
	}
	cs, err := currentCluster()
	if err != nil {
		return nil, fmt.Errorf("%s: no cluster (kubeconfig as kubectl finds it): %v", c.Name(), err)
	}
	h, err := report.ReadHistory(c.Context(), cs, o.namespace)
	if err != nil {
		return nil, fmt.Errorf("%s: ConfigMaps -l %s in %s: %v", c.Name(), report.HistoryLabel, o.namespace, err)
	}
	return h, nil
}

func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// historyCommand is `inpodctl history [-n NS] [-o json]`: the in-cluster runs
// kept as ConfigMaps inpod-history-*, oldest first.
func historyCommand() *cobra.Command {
	var o historyOptions
	c := &cobra.Command{Use: "history", Short: "List the in-cluster runs' history (ConfigMaps inpod-history-*): verdict, counts, what changed", Args: cobra.NoArgs}
	c.RunE = func(c *cobra.Command, _ []string) error {
		h, err := o.read(c)
		if err != nil {
			return err
		}
		if o.output == "json" {
			if h == nil {
				h = []report.HistoryEntry{}
			}
			return printJSON(h)
		}
		if len(h) == 0 {
			say("no history entries in %s (each in-cluster run leaves one; is the CronJob installed?)", o.namespace)
			return nil
		}
		w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		_, _ = fmt.Fprintln(w, "NAME\tSTARTED\tVERDICT\tPASSED\tFAILED\tSKIPPED\tKUBERNETES\tCHANGED\tSELECTION")
		for _, e := range h {
			changed := "-"
			if e.ChangedSince != "" {
				changed = strconv.Itoa(e.Changed) + " since " + e.ChangedSince
			}
			_, _ = fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s\n", e.Name, e.Started, e.Verdict, e.Passed, e.Failed, e.Skipped, e.KubernetesVersion, changed, e.Selection)
		}
		return w.Flush()
	}
	o.bind(c, "json")
	return c
}

// driftCommand is `inpodctl drift [ENTRY] [-n NS] [-o json]`: an entry (the
// newest by default) against the last passing run of the same selection
// before it, as the run itself compared them.
func driftCommand() *cobra.Command {
	var o historyOptions
	c := &cobra.Command{Use: "drift [ENTRY]", Short: "Show what changed in a run (the newest by default) since the last passing one: flipped cells with their cause, cluster facts", Args: cobra.MaximumNArgs(1)}
	c.RunE = func(c *cobra.Command, args []string) error {
		h, err := o.read(c)
		if err != nil {
			return err
		}
		if len(h) == 0 {
			return fmt.Errorf("drift: no history entries in %s (each in-cluster run leaves one; is the CronJob installed?)", o.namespace)
		}
		e := h[len(h)-1]
		if len(args) == 1 {
			i := slices.IndexFunc(h, func(x report.HistoryEntry) bool { return x.Name == args[0] })
			if i < 0 {
				return usageError{fmt.Errorf("drift: no entry %q in %s (inpodctl history lists them)", args[0], o.namespace)}
			}
			e = h[i]
		}
		d := report.CompareHistory(e, h)
		if o.output == "json" {
			return printJSON(d)
		}
		fmt.Printf("%s (%s, %s): %s\n", e.Name, e.Verdict, e.Started, d.Headline())
		for _, l := range d.Lines() {
			fmt.Println("  " + l)
		}
		return nil
	}
	o.bind(c, "json")
	return c
}
