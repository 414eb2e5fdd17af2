package report

import (
	"context"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func histEntry(i int, cells map[string]string) HistoryEntry {
	return HistoryEntry{Name: fmt.Sprintf("%s20261207t%06dz", HistoryPrefix, i), RunID: "job", Started: "s", Verdict: "passed", Passed: 2, Cells: cells}
}

func TestHistoryKeepsTheNewestAndPrunesTheRest(t *testing.T) {
	cs := fake.NewSimpleClientset()
	ctx := context.Background()
	var pruned []string
	for i := 1; i <= 12; i++ {
		p, err := WriteHistory(ctx, cs, "inpod-system", histEntry(i, map[string]string{"spec\ta": "passed"}), 10, map[string]string{"app.kubernetes.io/name": "inpod"})
		if err != nil {
			t.Fatal(err)
		}
		pruned = append(pruned, p...)
	}
	all, err := ReadHistory(ctx, cs, "inpod-system")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 10 || all[0].Name != histEntry(3, nil).Name || all[9].Name != histEntry(12, nil).Name {
		t.Fatalf("kept %d entries, first %s", len(all), all[0].Name)
	}
	if len(pruned) != 2 || pruned[0] != histEntry(1, nil).Name || pruned[1] != histEntry(2, nil).Name {
		t.Errorf("pruned %v, want the two oldest", pruned)
	}
}

func TestHistoryEntryRoundTripsAndStaysBounded(t *testing.T) {
	cells := map[string]string{"spec\t[It] a": "passed", "intent\tshop/api\tget pods (in shop)\tcurl": "403 Forbidden"}
	e := histEntry(1, cells)
	cs := fake.NewSimpleClientset()
	if _, err := WriteHistory(context.Background(), cs, "ns", e, 10, nil); err != nil {
		t.Fatal(err)
	}
	all, _ := ReadHistory(context.Background(), cs, "ns")
	if len(all) != 1 || len(all[0].Cells) != 2 || all[0].Cells["intent\tshop/api\tget pods (in shop)\tcurl"] != "403 Forbidden" || all[0].Passed != 2 {
		t.Fatalf("read back %+v", all)
	}
	big := map[string]string{}
	for i := 0; i < 20000; i++ {
		big[fmt.Sprintf("spec\t[It] spec number %05d with a long name that says what it checks", i)] = "passed"
	}
	d := histEntry(2, big).Data()
	if len(d["cells"]) > MaxHistoryCells+100 {
		t.Errorf("cells %d bytes, bound %d", len(d["cells"]), MaxHistoryCells)
	}
	if !strings.Contains(d["cells"], "…truncated\t") {
		t.Error("a cut entry says so")
	}
	if back := EntryFrom(configMap(d)); back.Truncated == 0 || len(back.Cells)+back.Truncated != len(big) {
		t.Errorf("read back %d cells + %d truncated, want %d", len(back.Cells), back.Truncated, len(big))
	}
}

func configMap(d map[string]string) corev1.ConfigMap {
	return corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: HistoryPrefix + "x"}, Data: d}
}
