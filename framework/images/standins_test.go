package images

import (
	"os/exec"
	"strings"
	"testing"
)

func TestStandInsFile(t *testing.T) {
	all, err := StandIns()
	if err != nil {
		t.Fatal(err)
	}
	curl, ok, err := StandInFor("curl")
	if err != nil || !ok {
		t.Fatalf("no curl stand-in (%v) in %d entries", err, len(all))
	}
	if curl.Published != Published("v1.37.2")["curl"] || curl.StandIn != Offline("v1.37.2")["curl"] {
		t.Errorf("the curl stand-in names %s / %s, the image sets %s / %s", curl.Published, curl.StandIn, Published("v1.37.2")["curl"], Offline("v1.37.2")["curl"])
	}
	for _, s := range all {
		if len(s.Sources) == 0 || s.User == "" || len(s.Present) == 0 {
			t.Errorf("%s: a stand-in names its sources, user and tools", s.Image)
		}
	}
}

func TestStandInMismatches(t *testing.T) {
	s := StandIn{Image: "curlimages/curl", StandIn: "x", User: "curl_user", Entrypoint: []string{"/entrypoint.sh"}, Cmd: []string{"curl"}, Workdir: "/home/curl_user"}
	if m := s.Mismatches(ImageConfig{User: "curl_user", Entrypoint: []string{"/entrypoint.sh"}, Cmd: []string{"curl"}, WorkingDir: "/home/curl_user"}); len(m) != 0 {
		t.Errorf("same config, mismatches %v", m)
	}
	m := s.Mismatches(ImageConfig{User: "65532:65532", Cmd: []string{"sleep", "infinity"}})
	if len(m) != 4 || !strings.Contains(m[0], `user is "65532:65532", curlimages/curl has "curl_user"`) {
		t.Errorf("mismatches %q", m)
	}
}

// The tool script runs in the machine's sh: a tool it has, one it lacks.
func TestToolScript(t *testing.T) {
	s := StandIn{Image: "img", Present: []string{"sh", "no-such-tool-here"}, Absent: []string{"cat", "another-missing-tool"}}
	out, err := exec.Command("sh", "-c", s.ToolScript()).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := s.ToolMismatches(string(out))
	want := []string{"no-such-tool-here: img has it, this image does not (absent)", "cat: img lacks it, this image has it (present)"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := s.ToolMismatches(""); len(got) != 4 || !strings.Contains(got[0], "(no answer)") {
		t.Errorf("empty output: %q", got)
	}
}
