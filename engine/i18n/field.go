package i18n

// The field errors of channels, tasks and push settings read alike: these
// are their shared parts.

// Problem is what is wrong with a field: err's Text, or msg as it is when
// err carries none.
func Problem(err error, msg string) Text {
	if t, ok := TextOf(err); ok {
		return t
	}
	return Plain(msg)
}

// Label is the text of key when the translations have it, else name as it
// is (a field the translations do not know).
func Label(key, name string) Text {
	if Has(English, key) {
		return T(key)
	}
	return Plain(name)
}

// FieldProblem reads "label: problem" ("加签密钥：必须以 SEC 开头").
func FieldProblem(label, problem Text) Text {
	return T("field.problem", "Label", label, "Problem", problem)
}
