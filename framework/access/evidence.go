package access

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/inpod/inpod/framework/lines"
	"github.com/inpod/inpod/framework/rbac"
)

// Evidence says whether what came back with an allowed status shows the
// request did what its verb does — the object named, a list, a watch's
// events, kubectl's own account of it — and why not when it does not ("").
// A success status with an empty or cut body is no evidence: the status may
// have been read from a stream that ended early.
func Evidence(o Outcome) string {
	q := o.Request
	if q.Kubelet != "" {
		// the kubelet's own answer, which kubectl --raw prints as it came
		if want, ok := rbac.KubeletShows(q, o.Body); !ok {
			return fmt.Sprintf("the kubelet's %s answer does not carry %q: %q", q.Path(), want, lines.Clip(strings.TrimSpace(o.Body), 200))
		}
		return ""
	}
	if o.Method == "kubectl" {
		return kubectlEvidence(o)
	}
	body := strings.TrimSpace(o.Body)
	switch {
	case q.Subresource == "log":
		return "" // a log may be empty; the status is all there is
	case q.Verb == "watch":
		for _, l := range strings.Split(body, "\n") {
			var ev struct{ Type string }
			if l != "" && (json.Unmarshal([]byte(l), &ev) != nil || ev.Type == "") {
				return "a watch answered a line that is no event: " + lines.Clip(l, 200)
			}
		}
		return "" // a watch that saw no change within its timeout sends nothing
	}
	var obj struct {
		Kind     string
		Status   json.RawMessage
		Items    *json.RawMessage
		Metadata struct{ Name string }
	}
	if err := json.Unmarshal([]byte(body), &obj); err != nil {
		return fmt.Sprintf("the body is not a JSON object (%v): %q", err, lines.Clip(body, 200))
	}
	switch {
	case q.Verb == "list":
		if obj.Items == nil || !strings.HasSuffix(obj.Kind, "List") {
			return fmt.Sprintf("a list answered kind %q without items", obj.Kind)
		}
	case q.Verb == "delete":
		if obj.Kind == "Status" && !strings.Contains(string(obj.Status), "Success") {
			return "a delete answered a Status that is not Success: " + lines.Clip(body, 200)
		}
	case obj.Kind == "Status" || obj.Kind == "":
		return fmt.Sprintf("a %s answered kind %q, not the object", q.Verb, obj.Kind)
	case q.Name != "" && q.Subresource == "" && obj.Metadata.Name != q.Name:
		return fmt.Sprintf("a %s of %q answered an object named %q", q.Verb, q.Name, obj.Metadata.Name)
	}
	return ""
}

// nameLine is a line of kubectl -o name: kind[.group]/name.
var nameLine = regexp.MustCompile(`^[a-z0-9.-]+/[a-z0-9.:-]+$`)

func kubectlEvidence(o Outcome) string {
	q := o.Request
	out := strings.TrimSpace(o.Body)
	switch {
	case q.Subresource == "log":
		return ""
	case strings.HasPrefix(out, "{"): // kubectl --raw prints the body itself
		return Evidence(Outcome{Method: "kubectl --raw", Request: q, Body: o.Body})
	case q.Verb == "watch":
		return Evidence(Outcome{Method: "kubectl --raw", Request: q, Body: o.Body})
	case q.Verb == "delete":
		if !strings.Contains(out, "deleted") {
			return "kubectl delete did not print that it deleted: " + lines.Clip(out, 200)
		}
		return ""
	case q.Verb == "list":
		for _, l := range strings.Split(out, "\n") {
			if l != "" && !nameLine.MatchString(l) {
				return "kubectl get -o name printed a line that is no object's name: " + lines.Clip(l, 200)
			}
		}
		return "" // an empty list prints nothing
	}
	if q.Name != "" && !strings.HasSuffix(out, "/"+q.Name) {
		return fmt.Sprintf("kubectl -o name printed %q, not the object %q", lines.Clip(out, 200), q.Name)
	}
	if !nameLine.MatchString(out) {
		return fmt.Sprintf("kubectl -o name printed %q, no object's name", lines.Clip(out, 200))
	}
	return ""
}
