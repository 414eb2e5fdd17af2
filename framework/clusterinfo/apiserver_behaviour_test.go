package clusterinfo

import (
	"strings"
	"testing"
)

func TestBehaviourNamesOneDocumentedLifetime(t *testing.T) {
	cases := map[TokenLifetime]string{
		{Seconds: ExtendedTokenSeconds, WarnAfter: KubeletTokenSeconds}: "extension on",
		{Seconds: KubeletTokenSeconds}:                                  "extension off",
		{Seconds: 3600}:                                                 "cap of 3600 s",
		{Seconds: ExtendedTokenSeconds}:                                 "",
		{Seconds: 7200}:                                                 "",
	}
	for lt, want := range cases {
		got := lt.Behaviour()
		if (want == "") != (got == "") || (want != "" && !strings.Contains(got, want)) {
			t.Errorf("%+v: Behaviour() = %q, want %q", lt, got, want)
		}
	}
}
