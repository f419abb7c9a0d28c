// Package qinglong reads the notify variables of qinglong (青龙面板), from
// its config.sh or a .env file, into channels to create, and writes
// channels back as such variables. It works from the kinds' declarations
// (channel.Field.Env, channel.Kind.PackedEnv) and knows no service itself.
package qinglong

import (
	"fmt"
	"strings"

	"github.com/heraldpush/herald/engine/i18n"
)

// Var is one variable assignment of a config.sh or .env text.
type Var struct {
	Name  string
	Value string
	Line  int // 1-based line where the assignment starts
}

// LineError is a line that is not an assignment Parse understands; the
// rest of the text is still read.
type LineError struct {
	Line int
	Err  error // an i18n error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// UserText reads "line N: problem".
func (e *LineError) UserText() i18n.Text {
	return i18n.T("qinglong.line", "Line", e.Line, "Problem", i18n.Problem(e.Err, e.Err.Error()))
}

func (e *LineError) Unwrap() error { return e.Err }

// Parse reads a qinglong config.sh (`export KEY="v"`, `KEY='v'`, `KEY=v`)
// or a .env file, or the same text pasted, as bash would assign it:
// comments, blank lines and CRLF line ends are skipped, quotes and
// backslash escapes resolved, quoted values may span lines. Lines it does
// not understand are returned as *LineError warnings.
func Parse(text string) (vars []Var, warnings []error) {
	text = strings.TrimPrefix(strings.ReplaceAll(text, "\r\n", "\n"), "\ufeff")
	p := &parser{src: text, line: 1}
	for !p.done() {
		start := p.line
		v, err := p.statement()
		if err != nil {
			warnings = append(warnings, &LineError{Line: start, Err: err})
			p.skipLine()
			continue
		}
		if v != nil {
			v.Line = start
			vars = append(vars, *v)
		}
	}
	return vars, warnings
}

type parser struct {
	src  string
	pos  int
	line int
}

func (p *parser) done() bool { return p.pos >= len(p.src) }

func (p *parser) peek() byte {
	if p.done() {
		return 0
	}
	return p.src[p.pos]
}

func (p *parser) next() byte {
	c := p.src[p.pos]
	p.pos++
	if c == '\n' {
		p.line++
	}
	return c
}

// skipLine moves past the end of the current line.
func (p *parser) skipLine() {
	for !p.done() && p.next() != '\n' {
	}
}

func (p *parser) skipBlanks() {
	for c := p.peek(); c == ' ' || c == '\t'; c = p.peek() {
		p.next()
	}
}

// statement reads one line's assignment; nil for a blank or comment line.
func (p *parser) statement() (*Var, error) {
	p.skipBlanks()
	if c := p.peek(); c == 0 || c == '\n' || c == '#' {
		p.skipLine()
		return nil, nil
	}
	word := p.name()
	if word == "export" && (p.peek() == ' ' || p.peek() == '\t') {
		p.skipBlanks()
		word = p.name()
	}
	if word == "" || p.peek() != '=' {
		return nil, i18n.New("qinglong.not_assignment")
	}
	p.next()
	if p.peek() == '(' { // a bash array (qinglong's env_name=(…)): no notify variable
		return nil, p.skipArray()
	}
	value, err := p.value()
	if err != nil {
		return nil, err
	}
	if err := p.endOfLine(); err != nil {
		return nil, err
	}
	return &Var{Name: word, Value: value}, nil
}

// name reads a shell variable name ([A-Za-z_][A-Za-z0-9_]*).
func (p *parser) name() string {
	start := p.pos
	for c := p.peek(); c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || p.pos > start && c >= '0' && c <= '9'; c = p.peek() {
		p.next()
	}
	return p.src[start:p.pos]
}

// value reads the word after '=': quoted and unquoted parts joined, as
// bash does ("a"'b'c is abc), up to a blank or the line's end.
func (p *parser) value() (string, error) {
	var b strings.Builder
	for {
		switch c := p.peek(); c {
		case 0, '\n', ' ', '\t', ';':
			return b.String(), nil
		case '\'':
			p.next()
			if err := p.single(&b); err != nil {
				return "", err
			}
		case '"':
			p.next()
			if err := p.double(&b); err != nil {
				return "", err
			}
		case '\\':
			p.next()
			if p.done() {
				return b.String(), nil
			}
			if e := p.next(); e != '\n' { // a backslash-newline continues the line
				b.WriteByte(e)
			}
		case '&', '|', '(', ')', '<', '>', '`':
			return "", i18n.New("qinglong.shell", "Char", string(c))
		default:
			b.WriteByte(p.next())
		}
	}
}

// skipArray moves past an array's closing parenthesis, lines included.
func (p *parser) skipArray() error {
	for !p.done() {
		switch c := p.next(); c {
		case ')':
			return p.endOfLine()
		case '\'', '"':
			var b strings.Builder
			if c == '\'' && p.single(&b) != nil || c == '"' && p.double(&b) != nil {
				return i18n.New("qinglong.unclosed", "Quote", string(c))
			}
		}
	}
	return i18n.New("qinglong.unclosed", "Quote", "(")
}

// single reads up to the closing quote: nothing is special inside.
func (p *parser) single(b *strings.Builder) error {
	for !p.done() {
		if c := p.next(); c == '\'' {
			return nil
		} else {
			b.WriteByte(c)
		}
	}
	return i18n.New("qinglong.unclosed", "Quote", "'")
}

// double reads up to the closing quote: a backslash escapes \ " $ ` and
// a newline, and is kept before anything else.
func (p *parser) double(b *strings.Builder) error {
	for !p.done() {
		c := p.next()
		switch {
		case c == '"':
			return nil
		case c == '\\' && !p.done():
			switch e := p.next(); e {
			case '\\', '"', '$', '`':
				b.WriteByte(e)
			case '\n':
			default:
				b.WriteByte('\\')
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return i18n.New("qinglong.unclosed", "Quote", `"`)
}

// endOfLine accepts blanks, an optional comment and a ';' before the
// line's end.
func (p *parser) endOfLine() error {
	p.skipBlanks()
	if p.peek() == ';' {
		p.next()
		p.skipBlanks()
	}
	switch p.peek() {
	case 0, '\n', '#':
		p.skipLine()
		return nil
	}
	return i18n.New("qinglong.trailing")
}

// Format writes vars as config.sh lines (`export KEY="v"`) that Parse, and
// bash, read back to the same values.
func Format(vars []Var) string {
	var b strings.Builder
	for _, v := range vars {
		b.WriteString("export " + v.Name + "=" + Quote(v.Value) + "\n")
	}
	return b.String()
}

// Quote puts v in double quotes, escaping what bash expands inside them.
func Quote(v string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range v {
		if strings.ContainsRune("\\\"$`", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}
