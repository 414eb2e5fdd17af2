package provider

import (
	"strings"
	"testing"
)

const kubeadmCorefile = `.:53 {
    errors
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
    }
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
}`

func TestClusterOnlyCorefile(t *testing.T) {
	got, changed := ClusterOnlyCorefile(kubeadmCorefile)
	if !changed {
		t.Fatal("not changed")
	}
	for _, gone := range []string{"forward", "max_concurrent", "loop"} {
		if strings.Contains(got, gone) {
			t.Errorf("%q still in:\n%s", gone, got)
		}
	}
	for _, kept := range []string{"kubernetes cluster.local", "pods insecure", "cache 30", "reload"} {
		if !strings.Contains(got, kept) {
			t.Errorf("%q lost:\n%s", kept, got)
		}
	}
	if strings.Count(got, "{") != strings.Count(got, "}") {
		t.Errorf("unbalanced braces:\n%s", got)
	}
	if _, again := ClusterOnlyCorefile(got); again {
		t.Error("second pass changed it again")
	}
}
