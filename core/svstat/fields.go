package svstat

import (
	"fmt"
	"strconv"
	"strings"

	"s6box/core/signame"
)

// Field is one value of the field mode.
type Field uint8

// The fields in s6-svstat 2.11's table order, which matters: -o matches a
// name as a prefix and takes the first hit in this order.
const (
	FieldUp Field = iota
	FieldWantedUp
	FieldNormallyUp
	FieldReady
	FieldPaused
	FieldPID
	FieldExitCode
	FieldSignal
	FieldSignum
	FieldUpDownSince
	FieldReadySince
	FieldUpDownFor
	FieldReadyFor
	numFields
)

// MaxFields is s6-svstat's limit on the number of fields of one call.
const MaxFields = 16

// fieldNames is indexed by Field.
func fieldName(f Field) string {
	switch f {
	case FieldUp:
		return "up"
	case FieldWantedUp:
		return "wantedup"
	case FieldNormallyUp:
		return "normallyup"
	case FieldReady:
		return "ready"
	case FieldPaused:
		return "paused"
	case FieldPID:
		return "pid"
	case FieldExitCode:
		return "exitcode"
	case FieldSignal:
		return "signal"
	case FieldSignum:
		return "signum"
	case FieldUpDownSince:
		return "updownsince"
	case FieldReadySince:
		return "readysince"
	case FieldUpDownFor:
		return "updownfor"
	case FieldReadyFor:
		return "readyfor"
	}
	return ""
}

// LetterField maps the single-letter options -u -w -N -r -p -e -s -t.
func LetterField(c byte) (Field, bool) {
	switch c {
	case 'u':
		return FieldUp, true
	case 'w':
		return FieldWantedUp, true
	case 'N':
		return FieldNormallyUp, true
	case 'r':
		return FieldReady, true
	case 'p':
		return FieldPID, true
	case 'e':
		return FieldExitCode, true
	case 's':
		return FieldSignal, true
	case 't':
		return FieldUpDownFor, true
	}
	return 0, false
}

// FieldError is a bad -o list or too many fields; s6-svstat exits 100 on it.
type FieldError struct{ Msg string }

func (e *FieldError) Error() string { return e.Msg }

// ErrTooMany is returned when more than MaxFields fields are asked for.
var ErrTooMany = &FieldError{Msg: "too many option fields"}

// AddField appends f to fields, enforcing MaxFields.
func AddField(fields []Field, f Field) ([]Field, error) {
	if len(fields) >= MaxFields {
		return fields, ErrTooMany
	}
	return append(fields, f), nil
}

// ParseFields appends the fields of an -o argument to fields. Like 2.11, each
// comma-separated name matches the first field (in table order) that it is a
// prefix of ("u" is up, "re" is ready, "updown" is updownsince); an empty
// name is an error except after a final comma; an empty list adds nothing.
func ParseFields(arg string, fields []Field) ([]Field, error) {
	for arg != "" {
		name, rest, found := strings.Cut(arg, ",")
		if name == "" {
			return fields, &FieldError{Msg: "invalid null option field"}
		}
		f, ok := matchField(name)
		if !ok {
			return fields, &FieldError{Msg: "invalid option field: " + name}
		}
		var err error
		if fields, err = AddField(fields, f); err != nil {
			return fields, err
		}
		if !found {
			break
		}
		arg = rest
	}
	return fields, nil
}

func matchField(name string) (Field, bool) {
	for f := Field(0); f < numFields; f++ {
		if strings.HasPrefix(fieldName(f), name) {
			return f, true
		}
	}
	return 0, false
}

func boolText(v bool) string {
	if v {
		return "true"
	}
	return "false"
}

// FieldValue renders one field.
func FieldValue(in Info, f Field) string {
	st := in.Status
	up := st.Up()
	switch f {
	case FieldUp:
		return boolText(up)
	case FieldWantedUp:
		return boolText(st.WantUp)
	case FieldNormallyUp:
		return boolText(in.NormallyUp)
	case FieldReady:
		return boolText(st.PID != 0 && st.Ready)
	case FieldPaused:
		return boolText(st.Paused)
	case FieldPID:
		if up {
			return strconv.FormatUint(st.PID, 10)
		}
		return "-1"
	case FieldExitCode:
		if !up && exited(st.Wstat) {
			return strconv.Itoa(exitStatus(st.Wstat))
		}
		return "-1"
	case FieldSignal:
		if !up && signaled(st.Wstat) {
			return "SIG" + signame.Name(termSig(st.Wstat))
		}
		return "NA"
	case FieldSignum:
		if !up && signaled(st.Wstat) {
			return strconv.Itoa(termSig(st.Wstat))
		}
		return "-1"
	case FieldUpDownSince:
		return in.stamp().String()
	case FieldReadySince:
		return st.ReadyStamp.String()
	case FieldUpDownFor:
		return strconv.FormatUint(elapsed(in.Now, in.stamp()), 10)
	case FieldReadyFor:
		return strconv.FormatUint(elapsed(in.Now, st.ReadyStamp), 10)
	}
	panic(fmt.Sprintf("svstat: unknown field %d", f))
}

// Fields renders fields joined by single spaces (without the newline).
func Fields(in Info, fields []Field) string {
	var sb strings.Builder
	for i, f := range fields {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(FieldValue(in, f))
	}
	return sb.String()
}
