package incluster

import "testing"

func TestCountJUnitLikeSonobuoy(t *testing.T) {
	data := []byte(`<testsuites><testsuite>
<testcase name="a"></testcase>
<testcase name="b"><failure message="x"></failure></testcase>
<testcase name="c"><error message="x"></error></testcase>
<testcase name="d"><skipped message="x"></skipped></testcase>
</testsuite></testsuites>`)
	n, err := countJUnit(data)
	if err != nil {
		t.Fatal(err)
	}
	if n["Total"] != 4 || n["Passed"] != 1 || n["Failed"] != 2 || n["Skipped"] != 1 {
		t.Errorf("counts %v", n)
	}
	results := "Plugin: inpod\nStatus: failed\nTotal: 4\nPassed: 1\nFailed: 2\nSkipped: 1\n"
	if err := compareCountsOf(results, n, t.Logf); err == nil || err.Error() != "sonobuoy: 2 inpod case(s) failed" {
		t.Errorf("equal counts with failures: %v", err)
	}
	if err := compareCountsOf("Total: 4\nPassed: 2\nFailed: 1\nSkipped: 1\n", n, t.Logf); err == nil {
		t.Error("different counts were accepted")
	}
}
