package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/e2e-framework/klient/decoder"
	"sigs.k8s.io/e2e-framework/klient/k8s"

	"github.com/inpod/inpod/framework/incluster"
	"github.com/inpod/inpod/framework/intent"
	"github.com/inpod/inpod/framework/rbac"
)

// intentCommand is `inpodctl intent draft NS/NAME [-f FILE]...`: an intent
// file drafted from the RBAC an account already has — the current cluster's
// (kubeconfig as kubectl finds it), or manifests' (-f, e.g. a chart rendered
// with helm template), wildcards expanded with the cluster's discovery when one
// answers.
func intentCommand() *cobra.Command {
	var files []string
	draft := &cobra.Command{Use: "draft NAMESPACE/SERVICEACCOUNT", Short: "Draft an intent file from the RBAC a ServiceAccount has (the cluster's, or -f manifests')",
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error { return draftIntent(c, args[0], files) }}
	draft.Flags().StringArrayVarP(&files, "file", "f", nil, "RBAC manifests to draft from instead of the cluster's bindings (repeatable)")
	c := &cobra.Command{Use: "intent", Short: "Intent files: draft one from existing RBAC; make a release asset verify one"}
	c.AddCommand(draft, intentAssetCommand())
	return c
}

// intentAssetCommand is `inpodctl intent asset --from inpod-cronjob.yaml -f
// FILE [--methods M] [--schedule S] [--keep N] [-o OUT]`: the release asset
// verifying the file instead of the guide (incluster.IntentAsset).
func intentAssetCommand() *cobra.Command {
	var from, file, out string
	in := incluster.IntentAssetInput{}
	c := &cobra.Command{Use: "asset --from ASSET -f INTENT", Short: "Make a release asset (inpod-cronjob.yaml or inpod-job.yaml) verify an intent file: its ConfigMap and the runner's RBAC for it added",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if from == "" || file == "" {
				return usageError{fmt.Errorf("intent asset: --from ASSET and -f INTENT are required")}
			}
			asset, err := os.ReadFile(from)
			if err != nil {
				return usageError{fmt.Errorf("intent asset: %w", err)}
			}
			data, err := os.ReadFile(file)
			if err != nil {
				return usageError{fmt.Errorf("intent asset: %w", err)}
			}
			f, err := intent.Parse(file, data)
			if err != nil {
				return usageError{fmt.Errorf("intent asset: %w", err)}
			}
			if err := checkMethods(in.Intent.Methods); err != nil {
				return usageError{fmt.Errorf("intent asset: --methods: %w", err)}
			}
			in.Asset, in.Intent.File, in.Intent.Data = asset, f, data
			got, err := incluster.IntentAsset(c.Context(), in)
			if err != nil {
				return usageError{fmt.Errorf("intent asset: %s: %w", from, err)}
			}
			if out == "-" {
				_, err = os.Stdout.Write(got)
			} else {
				err = os.WriteFile(out, got, 0o644)
			}
			return err
		}}
	c.Flags().StringVar(&from, "from", "", "the release asset: inpod-cronjob.yaml (or inpod-job.yaml)")
	c.Flags().StringVarP(&file, "file", "f", "", "the intent file to verify")
	c.Flags().StringVar(&in.Intent.Methods, "methods", "", "comma-separated clients (curl, python, go, kubectl); all four when empty")
	c.Flags().StringVar(&in.Schedule, "schedule", "", "a new cron schedule for the CronJob (default: the asset's)")
	c.Flags().IntVar(&in.Keep, "keep", 0, "history entries to keep (INPOD_HISTORY_KEEP; default 10)")
	c.Flags().StringVarP(&out, "output", "o", "-", "file to write (- = stdout)")
	return c
}

func draftIntent(c *cobra.Command, account string, files []string) error {
	ns, name, ok := splitAccount(account)
	if !ok {
		return usageError{fmt.Errorf("intent draft: %q: want NAMESPACE/SERVICEACCOUNT", account)}
	}
	in := intent.DraftInput{Namespace: ns, Name: name}
	cs, clusterErr := currentCluster()
	if len(files) > 0 {
		var objs []k8s.Object
		for _, f := range files {
			r, err := os.Open(f)
			if err != nil {
				return usageError{fmt.Errorf("intent draft: %w", err)}
			}
			got, err := decoder.DecodeAll(c.Context(), r)
			_ = r.Close()
			if err != nil {
				return usageError{fmt.Errorf("intent draft: %s: %w", f, err)}
			}
			objs = append(objs, got...)
		}
		var unknown []string
		in.Bindings, unknown = rbac.BindingsOf(objs)
		in.Source = fmt.Sprintf("%v", files)
		for _, u := range unknown {
			fmt.Fprintf(os.Stderr, "inpodctl: intent draft: %s is referred to but not in the files: the bindings to it grant nothing in this draft\n", u)
		}
	} else {
		if clusterErr != nil {
			return fmt.Errorf("intent draft: no cluster to read bindings from (%v); give RBAC manifests with -f", clusterErr)
		}
		var err error
		if in.Bindings, err = rbac.ReadBindings(c.Context(), cs); err != nil {
			return fmt.Errorf("intent draft: %w", err)
		}
		in.Source = "the current cluster's bindings"
	}
	if clusterErr == nil {
		served, err := intent.ServedResources(cs.Discovery())
		if err == nil {
			in.Served = served
		} else {
			fmt.Fprintf(os.Stderr, "inpodctl: intent draft: %v: wildcards stay unexpanded\n", err)
		}
	}
	_, err := os.Stdout.Write(intent.Draft(in))
	return err
}

func splitAccount(s string) (ns, name string, ok bool) {
	ns, name, ok = strings.Cut(s, "/")
	return ns, name, ok && ns != "" && name != "" && !strings.Contains(name, "/")
}

// currentCluster is the cluster kubectl would talk to; one that does not answer
// discovery counts as none.
func currentCluster() (kubernetes.Interface, error) {
	rc, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(clientcmd.NewDefaultClientConfigLoadingRules(), nil).ClientConfig()
	if err != nil {
		return nil, err
	}
	rc.Timeout = 10 * time.Second
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, err
	}
	if _, err := cs.Discovery().ServerVersion(); err != nil {
		return nil, err
	}
	return cs, nil
}
