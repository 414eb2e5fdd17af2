package lines

import "testing"

func TestLines(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{First("\n one\ntwo\n"), "one"},
		{First(""), ""},
		{Last("one\ntwo \n"), "two"},
		{Last("only"), "only"},
		{LastN("a\nb\nc\n", 2), "b\nc"},
		{LastN("a", 3), "a"},
		{Clip(" abcdef ", 3), "abc…"},
		{Clip("abc", 3), "abc"},
		{Matching("  % Total\r 100  12\nsh: jq: not found\n", "jq"), "sh: jq: not found"},
		{Matching("a\nb", "jq"), ""},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
