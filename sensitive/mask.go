package sensitive

// Mask shows enough of an identifier that names a person (a customerKey)
// to tell two apart, never the whole of it: the first three and last two
// characters of one of ten or more, the first of one of four to nine,
// nothing of a shorter one.
func Mask(s string) string {
	r := []rune(s)
	switch {
	case len(r) >= 10:
		return string(r[:3]) + "****" + string(r[len(r)-2:])
	case len(r) >= 4:
		return string(r[:1]) + "****"
	}
	return "****"
}
