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
	c := &cobra.Command{Use: "intent", Short: "Intent files: draft one from existing RBAC"}
	c.AddCommand(draft)
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
