// Package lines shortens command output and error text to what one log or
// report line can hold.
package lines

import "strings"

// First is the first line of s, surrounding blank space dropped.
func First(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// Last is the last line of s, surrounding blank space dropped.
func Last(s string) string {
	s = strings.TrimSpace(s)
	return strings.TrimSpace(s[strings.LastIndex(s, "\n")+1:])
}

// LastN is the last n lines of s.
func LastN(s string, n int) string {
	all := strings.Split(strings.TrimSpace(s), "\n")
	if len(all) > n {
		all = all[len(all)-n:]
	}
	return strings.Join(all, "\n")
}

// Clip is s without surrounding blank space, cut to n bytes with "…" marking a cut.
func Clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// Matching is the first line of s that holds sub ("" if none), trimmed; a
// carriage return (curl's progress meter) ends a line too.
func Matching(s, sub string) string {
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if strings.Contains(l, sub) {
			return strings.TrimSpace(l)
		}
	}
	return ""
}
