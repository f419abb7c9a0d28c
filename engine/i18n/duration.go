package i18n

import (
	"strconv"
	"time"
)

// Duration is d for people, in its two largest units: "10 ms", "1.5 s",
// "1 min", "2 h 5 min" / "10 毫秒", "1.5 秒", "1 分钟", "2 小时 5 分钟".
// A negative duration reads as its size.
func Duration(d time.Duration) Text {
	if d < 0 {
		d = -d
	}
	switch {
	case d < time.Second:
		return unit("ms", int64(d.Round(time.Millisecond)/time.Millisecond))
	case d < 10*time.Second:
		tenths := int64(d.Round(100*time.Millisecond) / (100 * time.Millisecond))
		n := strconv.FormatInt(tenths/10, 10)
		if tenths%10 != 0 {
			n += "." + strconv.FormatInt(tenths%10, 10)
		}
		return T("i18n.unit.s", "N", n)
	case d < time.Minute:
		return unit("s", int64(d.Round(time.Second)/time.Second))
	case d < time.Hour:
		s := int64(d.Round(time.Second) / time.Second)
		return pair("min", s/60, "s", s%60)
	case d < 24*time.Hour:
		m := int64(d.Round(time.Minute) / time.Minute)
		return pair("h", m/60, "min", m%60)
	}
	h := int64(d.Round(time.Hour) / time.Hour)
	return pair("d", h/24, "h", h%24)
}

func unit(name string, n int64) Text {
	return T("i18n.unit."+name, "N", strconv.FormatInt(n, 10))
}

// pair shows the smaller unit only when it is not zero ("1 min", "1 min 5 s").
func pair(big string, n int64, small string, m int64) Text {
	if m == 0 {
		return unit(big, n)
	}
	return T("i18n.duration.pair", "A", unit(big, n), "B", unit(small, m))
}
