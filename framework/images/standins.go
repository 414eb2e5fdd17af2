package images

import (
	"fmt"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/inpod/inpod/manifests"
)

// StandIn is what an image built here reproduces of a third-party image the
// published path pulls (manifests/images/stand-ins.yaml).
type StandIn struct {
	Method     string   `json:"method"`
	Image      string   `json:"image"`
	Published  string   `json:"published"`
	StandIn    string   `json:"standIn"`
	Sources    []string `json:"sources"`
	User       string   `json:"user"`
	UID        int      `json:"uid"`
	Entrypoint []string `json:"entrypoint"`
	Cmd        []string `json:"cmd"`
	Workdir    string   `json:"workdir"`
	Shell      string   `json:"shell"`
	Present    []string `json:"present"`
	Absent     []string `json:"absent"`
}

// StandIns reads manifests/images/stand-ins.yaml.
func StandIns() ([]StandIn, error) {
	data, err := manifests.FS.ReadFile("images/stand-ins.yaml")
	if err != nil {
		return nil, err
	}
	var all []StandIn
	if err := yaml.UnmarshalStrict(data, &all); err != nil {
		return nil, fmt.Errorf("manifests/images/stand-ins.yaml: %w", err)
	}
	return all, nil
}

// At is s with {version} in its names set to k8sVersion without its v (the
// kubectl image's tag follows the cluster's version).
func (s StandIn) At(k8sVersion string) StandIn {
	v := strings.TrimPrefix(k8sVersion, "v")
	s.Published = strings.ReplaceAll(s.Published, "{version}", v)
	s.StandIn = strings.ReplaceAll(s.StandIn, "{version}", v)
	return s
}

// StandInFor is the stand-in of method's published image, if it has one.
func StandInFor(method string) (StandIn, bool, error) {
	all, err := StandIns()
	if err != nil {
		return StandIn{}, false, err
	}
	i := slices.IndexFunc(all, func(s StandIn) bool { return s.Method == method })
	if i < 0 {
		return StandIn{}, false, nil
	}
	return all[i], true, nil
}

// ImageConfig is the part of an image's config a stand-in must match.
type ImageConfig struct {
	User       string
	Entrypoint []string
	Cmd        []string
	WorkingDir string
}

// Mismatches lists, one line each, where cfg (the stand-in's built config)
// differs from the facts s records of the real image.
func (s StandIn) Mismatches(cfg ImageConfig) []string {
	var out []string
	check := func(what, got, want string) {
		if got != want {
			out = append(out, fmt.Sprintf("%s: %s is %q, %s has %q", s.StandIn, what, got, s.Image, want))
		}
	}
	user := cfg.User
	if user == "" {
		user = "root" // no USER in the image: its processes run as root
	}
	check("user", user, s.User)
	check("entrypoint", strings.Join(cfg.Entrypoint, " "), strings.Join(s.Entrypoint, " "))
	check("cmd", strings.Join(cfg.Cmd, " "), strings.Join(s.Cmd, " "))
	check("workdir", cfg.WorkingDir, s.Workdir)
	return out
}

// ToolScript is a POSIX sh script that prints, for each tool the facts name, one
// line "present NAME" or "absent NAME" as `command -v` finds it.
func (s StandIn) ToolScript() string {
	var b strings.Builder
	for _, t := range append(slices.Clone(s.Present), s.Absent...) {
		fmt.Fprintf(&b, "if command -v %[1]s >/dev/null 2>&1; then echo 'present %[1]s'; else echo 'absent %[1]s'; fi\n", t)
	}
	return b.String()
}

// ToolMismatches compares ToolScript's output with the facts: a tool the real
// image has that is absent, or one it lacks that is present.
func (s StandIn) ToolMismatches(out string) []string {
	seen := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if state, tool, ok := strings.Cut(strings.TrimSpace(l), " "); ok {
			seen[tool] = state
		}
	}
	var bad []string
	for _, t := range s.Present {
		if seen[t] != "present" {
			bad = append(bad, fmt.Sprintf("%s: %s has it, this image does not (%s)", t, s.Image, orUnanswered(seen[t])))
		}
	}
	for _, t := range s.Absent {
		if seen[t] != "absent" {
			bad = append(bad, fmt.Sprintf("%s: %s lacks it, this image has it (%s)", t, s.Image, orUnanswered(seen[t])))
		}
	}
	return bad
}

func orUnanswered(state string) string {
	if state == "" {
		return "no answer"
	}
	return state
}
