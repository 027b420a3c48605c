package demo

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Defaults of the demo data set.
const (
	DefaultSeed = 1
	DefaultRows = 200_000
	DefaultDays = 35
)

// Options say what to generate.
type Options struct {
	// Seed makes the data set: the same seed, row count, window and org
	// give the same rows.
	Seed uint64
	// Rows is the number of EmailEvents rows (DefaultRows if <= 0). The
	// other tables get as many rows as the messages call for.
	Rows int
	// Days is the length of the window, which ends just before Now
	// (DefaultDays if <= 0).
	Days int
	// Now is the end of the window (exclusive); the zero time means the
	// current time truncated to the hour. It is used in UTC.
	Now time.Time
	// Org is the organisation; nil means NewOrg(Seed, DefaultUsers).
	Org *Org
	// Progress, if set, is called from time to time with the number of
	// EmailEvents rows produced so far.
	Progress func(emailEvents int64)
}

func (o Options) withDefaults() Options {
	if o.Rows <= 0 {
		o.Rows = DefaultRows
	}
	if o.Days <= 0 {
		o.Days = DefaultDays
	}
	if o.Now.IsZero() {
		o.Now = time.Now().UTC().Truncate(time.Hour)
	}
	// DuckDB keeps microseconds: a window end with finer precision would
	// not survive a round trip through the store.
	o.Now = o.Now.UTC().Truncate(time.Microsecond)
	if o.Org == nil {
		o.Org = NewOrg(o.Seed, DefaultUsers)
	}
	return o
}

// Sink receives generated rows, one call per row. The row passed in is
// reused after the call returns: copy it to keep it. A nil function means
// that table is not wanted; leaving tables out is faster and does not change
// the rows of the others. Returning an error stops the generation.
type Sink struct {
	EmailEvents             func(*EmailEvent) error
	EmailAttachmentInfo     func(*EmailAttachment) error
	EmailUrlInfo            func(*EmailUrl) error
	EmailPostDeliveryEvents func(*PostDeliveryEvent) error
	UrlClickEvents          func(*UrlClick) error
}

// Stats counts what Generate produced.
type Stats struct {
	Messages                int64
	EmailEvents             int64
	EmailAttachmentInfo     int64
	EmailUrlInfo            int64
	EmailPostDeliveryEvents int64
	UrlClickEvents          int64
}

// message kinds
const (
	kOutbound = iota
	kIntra
	kInPerson
	kBulk
	kSpam
	kPhish
	kMalware
	kCampaign
	nKinds
)

// Row shares of the kinds within human traffic (people writing to people,
// following office hours) and machine traffic (notifications, newsletters,
// spam, arriving around the clock).
var (
	humanShare   = [nKinds]float64{kOutbound: 0.39, kIntra: 0.235, kInPerson: 0.375}
	machineShare = [nKinds]float64{kBulk: 0.64, kSpam: 0.30, kPhish: 0.05, kMalware: 0.01}
)

// humanShareOfRows is the share of human traffic among all non-campaign
// rows over a window (the rest is machine traffic).
const humanShareOfRows = 0.64

// campaignShare is the share of rows that belong to the campaigns.
const campaignShare = 0.015

// recipients distributions per kind: (lo, hi, weight) ranges, uniform
// within a range.
type span struct {
	lo, hi int
	w      float64
}

var recipientDist = [nKinds][]span{
	kOutbound: {{1, 1, 70}, {2, 2, 18}, {3, 3, 8}, {4, 6, 4}},
	kIntra:    {{1, 1, 55}, {2, 2, 20}, {3, 3, 10}, {4, 8, 10}, {9, 25, 5}},
	kInPerson: {{1, 1, 75}, {2, 2, 15}, {3, 5, 10}},
	kBulk:     {{1, 1, 92}, {2, 3, 8}},
	kSpam:     {{1, 1, 60}, {2, 10, 40}},
	kPhish:    {{1, 1, 70}, {2, 5, 30}},
	kMalware:  {{1, 1, 80}, {2, 4, 20}},
	kCampaign: {{1, 1, 50}, {2, 3, 50}},
}

func meanOf(d []span) float64 {
	var s, w float64
	for _, x := range d {
		s += x.w * float64(x.lo+x.hi) / 2
		w += x.w
	}
	return s / w
}

func drawSpan(r *rand.Rand, d []span) int {
	var sum float64
	for _, x := range d {
		sum += x.w
	}
	f := r.Float64() * sum
	for _, x := range d {
		if f < x.w {
			return x.lo + r.IntN(x.hi-x.lo+1)
		}
		f -= x.w
	}
	x := d[len(d)-1]
	return x.lo + r.IntN(x.hi-x.lo+1)
}

// Hour-of-day activity of people on a weekday (UTC, the organisation's
// time zone) and the weekend factors.
var humanHour = [24]float64{0.03, 0.02, 0.02, 0.02, 0.03, 0.06, 0.15, 0.40, 0.80, 1.00, 1.00, 0.95,
	0.75, 0.90, 1.00, 0.95, 0.85, 0.60, 0.35, 0.22, 0.18, 0.14, 0.08, 0.05}

const (
	humanWeekend   = 0.10
	machineWeekend = 0.55
)

func humanRate(t time.Time) float64 {
	w := humanHour[t.Hour()]
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		w *= humanWeekend
	}
	return w
}

func machineRate(t time.Time) float64 {
	w := 0.6 + 0.4*humanHour[t.Hour()]
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		w *= machineWeekend
	}
	return w
}

// slot is one hour of the window.
type slot struct {
	start, end time.Time // clipped to the window
	rows       int       // non-campaign rows
	pHuman     float64   // share of human rows in this hour
}

// Generate streams a demo data set into sink. It is deterministic: the same
// Options (seed, rows, days, now, org) give the same rows in the same order.
// EmailEvents rows come in Timestamp order; the rows of the other tables
// follow the message they belong to, so post-delivery events and clicks,
// which happen later, are not in Timestamp order.
func Generate(ctx context.Context, opt Options, sink Sink) (Stats, error) {
	opt = opt.withDefaults()
	if sink.EmailEvents == nil {
		return Stats{}, errors.New("demo: Sink.EmailEvents is required")
	}
	g := newGenerator(opt, sink)
	slots := g.plan()
	for i := range slots {
		if i%16 == 0 && ctx.Err() != nil {
			return g.stats, ctx.Err()
		}
		if err := g.slot(i, &slots[i]); err != nil {
			return g.stats, err
		}
		if opt.Progress != nil {
			opt.Progress(g.stats.EmailEvents)
		}
	}
	return g.stats, nil
}

type generator struct {
	opt   Options
	org   *Org
	sink  Sink
	stats Stats
	start time.Time

	campaigns []*campaign
	kindProbH [nKinds]float64 // message-kind probabilities in human traffic
	kindProbM [nKinds]float64

	pcg, apcg *rand.PCG
	r, ar     *rand.Rand // per message: main (EmailEvents) and auxiliary streams
	cpcg      *rand.PCG  // UrlChainId
	cr        *rand.Rand

	msgs []slotMsg
	b    []byte

	serviceZipf []float64 // Zipf over the service domains
	services    []int

	ev  EmailEvent
	att EmailAttachment
	url EmailUrl
	pde PostDeliveryEvent
	clk UrlClick

	atts  []attachment
	urls  []string
	seen  []string   // recipients of the current message
	picks []rcptPick // the recipients of the current message, in row order
	json  []byte     // To and Cc being built

	forwarders []forwarder
}

// rcptPick is one recipient of a message: an address and, for the
// organisation's own mailboxes, the user's index (else -1).
type rcptPick struct {
	addr string
	user int
}

// forwarder is a user whose mailbox automatically forwards mail to an
// external address, by an inbox rule or by SMTP forwarding set by an admin.
type forwarder struct {
	user    int
	kind    string // ForwardingType: "MbxRule" or "SmtpForwarding"
	target  string
	domain  int // index of target's domain in Org.ExternalDomains
	fwdInfo string
}

// Auto-forwarding and priority accounts.
const (
	// fwdPerMille is the share (per mille) of single-recipient outbound
	// messages that are automatic forwards.
	fwdPerMille = 20
	// priorityUsers: the first users (the busiest senders, the executives)
	// are priority accounts; threats aimed at them carry that Context.
	priorityUsers   = 25
	priorityContext = "Priority account protection"
)

// makeForwarders picks the few mailboxes that forward mail outside, with
// their targets at consumer mail domains; deterministic in the seed.
func makeForwarders(seed uint64, o *Org) []forwarder {
	var consumer []int
	for i, d := range o.ExternalDomains {
		if d.Kind == "consumer" {
			consumer = append(consumer, i)
		}
	}
	if len(consumer) == 0 || len(o.Users) == 0 {
		return nil
	}
	r := rand.New(rand.NewPCG(seed, 0x667764)) // "fwd"
	var out []forwarder
	for i := 0; i < 6; i++ {
		f := forwarder{user: r.IntN(len(o.Users)), kind: "MbxRule", domain: consumer[r.IntN(len(consumer))]}
		if i >= 4 {
			f.kind = "SmtpForwarding"
		}
		u := &o.Users[f.user]
		local := strings.ToLower(strings.ReplaceAll(u.DisplayName, " ", ""))
		f.target = local + strconv.Itoa(10+r.IntN(90)) + "@" + o.ExternalDomains[f.domain].Domain
		f.fwdInfo = `{"ForwardingType":"` + f.kind + `","ForwardingUser":"` + u.Address + `"}`
		out = append(out, f)
	}
	return out
}

type slotMsg struct {
	off  int64 // microseconds from the slot start
	seed uint64
	n    int32
	kind int8
	camp int8
}

func newGenerator(opt Options, sink Sink) *generator {
	g := &generator{opt: opt, org: opt.Org, sink: sink}
	g.start = opt.Now.Add(-time.Duration(opt.Days) * 24 * time.Hour)
	g.pcg = rand.NewPCG(0, 0)
	g.apcg = rand.NewPCG(0, 0)
	g.r = rand.New(g.pcg)
	g.ar = rand.New(g.apcg)
	for k := 0; k < nKinds; k++ {
		m := meanOf(recipientDist[k])
		g.kindProbH[k] = humanShare[k] / m
		g.kindProbM[k] = machineShare[k] / m
	}
	var sum float64
	for i, d := range g.org.ExternalDomains {
		if d.Kind == "service" {
			g.services = append(g.services, i)
			sum += 1 / float64(len(g.services))
			g.serviceZipf = append(g.serviceZipf, sum)
		}
	}
	for i := range g.serviceZipf {
		g.serviceZipf[i] /= sum
	}
	g.campaigns = makeCampaigns(opt, g.org, g.start)
	g.forwarders = makeForwarders(opt.Seed, g.org)
	return g
}

// plan spreads the rows over the hours of the window.
func (g *generator) plan() []slot {
	var slots []slot
	for t := g.start.Truncate(time.Hour); t.Before(g.opt.Now); t = t.Add(time.Hour) {
		s := slot{start: t, end: t.Add(time.Hour)}
		if s.start.Before(g.start) {
			s.start = g.start
		}
		if s.end.After(g.opt.Now) {
			s.end = g.opt.Now
		}
		if s.end.After(s.start) {
			slots = append(slots, s)
		}
	}
	// Scale human traffic so that it makes humanShareOfRows of the rows.
	var hSum, mSum float64
	for _, s := range slots {
		f := s.end.Sub(s.start).Hours()
		hSum += f * humanRate(s.start)
		mSum += f * machineRate(s.start)
	}
	alpha := humanShareOfRows / (1 - humanShareOfRows) * mSum / hSum
	weights := make([]float64, len(slots))
	var total float64
	for i := range slots {
		s := &slots[i]
		f := s.end.Sub(s.start).Hours()
		h, m := alpha*humanRate(s.start), machineRate(s.start)
		weights[i] = f * (h + m) * g.noise(s.start)
		s.pHuman = h / (h + m)
		total += weights[i]
	}
	campaignRows := 0
	for _, c := range g.campaigns {
		campaignRows += c.rows
	}
	base := g.opt.Rows - campaignRows
	var cum float64
	prev := 0
	for i := range slots {
		cum += weights[i]
		upto := int(float64(base)*cum/total + 0.5)
		if i == len(slots)-1 {
			upto = base
		}
		slots[i].rows = upto - prev
		prev = upto
	}
	return slots
}

// noise is the day-to-day and hour-to-hour variation of mail volume: a
// factor around 1 that depends only on the seed and the hour, so it does
// not move when the window does.
func (g *generator) noise(hour time.Time) float64 {
	day := uint64(hour.Unix() / 86400)
	dr := rand.New(rand.NewPCG(g.opt.Seed, 0x646179<<32|day)) // "day"
	f := 1 + 0.22*(dr.Float64()-0.5)                          // ±11% per day
	hr := rand.New(rand.NewPCG(g.opt.Seed, 0x686f7572<<32|uint64(hour.Unix()/3600)))
	return f * (1 + 0.16*(hr.Float64()-0.5)) // ±8% per hour
}

// slot generates the messages of one hour, in time order.
func (g *generator) slot(idx int, s *slot) error {
	sr := rand.New(rand.NewPCG(g.opt.Seed, 0x736c6f74<<32|uint64(idx))) // "slot"
	span := max(s.end.Sub(s.start).Microseconds(), 1)
	g.msgs = g.msgs[:0]
	var probs [nKinds]float64
	for k := range probs {
		probs[k] = s.pHuman*g.kindProbH[k] + (1-s.pHuman)*g.kindProbM[k]
	}
	for left := s.rows; left > 0; {
		k := pickWeighted(sr, probs[:])
		n := drawSpan(sr, recipientDist[k])
		if n > left {
			n = left
		}
		left -= n
		g.msgs = append(g.msgs, slotMsg{off: sr.Int64N(span), seed: sr.Uint64(), n: int32(n), kind: int8(k), camp: -1})
	}
	for ci, c := range g.campaigns {
		lo, hi := c.start, c.end
		if lo.Before(s.start) {
			lo = s.start
		}
		if hi.After(s.end) {
			hi = s.end
		}
		if !hi.After(lo) {
			continue
		}
		rows := c.rowsBetween(lo, hi)
		cs := lo.Sub(s.start).Microseconds()
		cspan := max(hi.Sub(lo).Microseconds(), 1)
		for rows > 0 {
			n := drawSpan(sr, recipientDist[kCampaign])
			if n > rows {
				n = rows
			}
			rows -= n
			g.msgs = append(g.msgs, slotMsg{off: cs + sr.Int64N(cspan), seed: sr.Uint64(), n: int32(n), kind: kCampaign, camp: int8(ci)})
		}
	}
	slices.SortStableFunc(g.msgs, func(a, b slotMsg) int {
		switch {
		case a.off < b.off:
			return -1
		case a.off > b.off:
			return 1
		}
		return 0
	})
	for i := range g.msgs {
		m := &g.msgs[i]
		if err := g.message(s.start.Add(time.Duration(m.off)*time.Microsecond), m); err != nil {
			return err
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// one message

type attachment struct {
	name, fileType, sha string
	size                int64
	malicious           bool
}

// verdict is what the filtering stack did with a message.
type verdict struct {
	action, location, threats, names, methods, confidence string
	emailAction                                           string
	pol                                                   policy
	bcl                                                   int32
	// post-delivery: a ZAP or an admin remediation after delay
	zap      string // "", "Phish ZAP", "Malware ZAP", "Spam ZAP", "Manual Remediation"
	zapDelay time.Duration
	// what the post-delivery event records
	zapThreats, zapMethods string
}

func (g *generator) message(at time.Time, m *slotMsg) error {
	r, ar := g.r, g.ar
	g.pcg.Seed(g.opt.Seed, m.seed)
	g.apcg.Seed(g.opt.Seed^0x617578, m.seed) // "aux"
	o := g.org
	ev := &g.ev
	*ev = EmailEvent{Timestamp: at, TimeGenerated: at}
	g.stats.Messages++

	nmid := g.uuidString(r)
	ev.NetworkMessageId = nmid
	ev.AdditionalFields = "{}"
	ev.AuthenticationDetails = `{"SPF":"pass","DKIM":"pass","DMARC":"pass","CompAuth":"pass"}`
	var v verdict
	v.action, v.location = "Delivered", "Inbox/folder"

	var sender *User
	senderIdx := -1
	var extDom *ExternalDomain
	var camp *campaign
	urlCount, attCount := 0, 0
	var tmplIdx int
	internalRecipients := true
	recipientDomain := -1 // external recipients: Zipf domain
	var fwd *forwarder    // an automatic forward

	switch m.kind {
	case kOutbound, kIntra:
		senderIdx = g.activeUser(r)
		if m.kind == kOutbound && m.n == 1 && len(g.forwarders) > 0 && r.IntN(1000) < fwdPerMille {
			fwd = &g.forwarders[r.IntN(len(g.forwarders))]
			senderIdx = fwd.user
		}
		sender = &o.Users[senderIdx]
		ev.SenderFromAddress = sender.Address
		ev.SenderMailFromAddress = sender.Address
		ev.SenderDisplayName = sender.DisplayName
		ev.SenderObjectId = sender.ObjectID
		d := DomainOf(sender.Address)
		ev.SenderFromDomain, ev.SenderMailFromDomain = d, d
		ev.InternetMessageId = g.exoMessageID(r)
		ev.EmailLanguage = sender.Language
		tmplIdx = r.IntN(len(businessSubjects))
		ev.Subject = g.fill(r, businessSubjects[tmplIdx], "", "")
		attCount = drawSpan(r, []span{{0, 0, 70}, {1, 1, 22}, {2, 4, 8}})
		urlCount = drawSpan(r, []span{{0, 0, 55}, {1, 3, 40}, {4, 10, 5}})
		if m.kind == kOutbound {
			ev.EmailDirection = "Outbound"
			internalRecipients = false
			recipientDomain = o.externalDomain(r)
			if fwd != nil {
				recipientDomain = fwd.domain
				ev.Subject = "FW: " + ev.Subject
				ev.ForwardingInformation = fwd.fwdInfo
			}
			v.location = "On-premises/external"
			ev.SenderIPv4 = o.egressV4[r.IntN(len(o.egressV4))]
			if o.ExternalDomains[recipientDomain].Connector {
				ev.Connectors = "Outbound to partners (TLS)"
			}
		} else {
			ev.EmailDirection = "Intra-org"
			ev.AuthenticationDetails = `{"SPF":"pass","DKIM":"pass","DMARC":"pass","CompAuth":"internal"}`
			ev.SenderIPv6 = "2a01:111:f403:" + strconv.FormatUint(uint64(r.IntN(0xffff)), 16) + "::" + strconv.FormatUint(uint64(r.IntN(0xfff)), 16)
		}
		ev.EmailClusterId = clusterID(int(m.kind), tmplIdx, 0)

	case kInPerson:
		di := o.externalDomain(r)
		extDom = &o.ExternalDomains[di]
		first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
		addr := strings.ToLower(first) + "." + strings.ToLower(last) + "@" + extDom.Domain
		ev.SenderFromAddress, ev.SenderMailFromAddress = addr, addr
		ev.SenderDisplayName = first + " " + last
		ev.SenderFromDomain, ev.SenderMailFromDomain = extDom.Domain, extDom.Domain
		g.senderIP(r, extDom)
		ev.InternetMessageId = g.extMessageID(r, extDom.Domain)
		ev.EmailDirection = "Inbound"
		ev.EmailLanguage = extDom.Language
		tmplIdx = r.IntN(len(businessSubjects))
		ev.Subject = g.fill(r, businessSubjects[tmplIdx], "", "")
		attCount = drawSpan(r, []span{{0, 0, 68}, {1, 1, 24}, {2, 4, 8}})
		urlCount = drawSpan(r, []span{{0, 0, 45}, {1, 3, 45}, {4, 12, 10}})
		ev.EmailClusterId = clusterID(int(m.kind), tmplIdx, di)
		ev.AuthenticationDetails = pickAuth(r, authGood)
		if extDom.Connector {
			ev.Connectors = "Inbound from partner: " + extDom.Brand + " (TLS)"
		}
		if r.IntN(12) == 0 {
			ev.AdditionalFields = `{"IsFirstContact":true}`
		}
		switch x := r.IntN(1000); {
		case x < 15: // false positive, junked
			v.action, v.location = "Junked", "Junk folder"
			v.threats, v.methods, v.confidence = "Spam", `{"Spam":["Advanced filter"]}`, `{"Spam":"Normal"}`
			v.emailAction, v.pol = "Move message to junk mail folder", polAntispam
		case x < 35:
			ev.UserLevelAction, ev.UserLevelPolicy = "Allow", "Sender and domain safe list"
		case x < 43:
			ev.OrgLevelAction, ev.OrgLevelPolicy = "Allow", "Tenant Allow Block List"
		}

	case kBulk:
		di := g.services[g.serviceIndex(r)]
		extDom = &o.ExternalDomains[di]
		local := []string{"no-reply", "noreply", "notifications", "newsletter", "info", "updates", "account-security"}[r.IntN(7)]
		ev.SenderFromAddress = local + "@" + extDom.Domain
		ev.SenderFromDomain = extDom.Domain
		mf := []string{"bounces.", "em.", "mail.", ""}[r.IntN(4)] + extDom.Domain
		ev.SenderMailFromDomain = mf
		ev.SenderMailFromAddress = "bounce-" + strconv.Itoa(100000+r.IntN(900000)) + "@" + mf
		ev.SenderDisplayName = extDom.Brand
		g.senderIP(r, extDom)
		ev.InternetMessageId = g.extMessageID(r, mf)
		ev.EmailDirection = "Inbound"
		ev.EmailLanguage = "en"
		tmplIdx = r.IntN(len(bulkSubjects))
		ev.Subject = g.fill(r, bulkSubjects[tmplIdx], extDom.Brand, "")
		urlCount = drawSpan(r, []span{{1, 4, 40}, {5, 12, 50}, {13, 25, 10}})
		attCount = drawSpan(r, []span{{0, 0, 92}, {1, 1, 8}})
		ev.EmailClusterId = clusterID(int(m.kind), tmplIdx, di)
		ev.AuthenticationDetails = pickAuth(r, authBulk)
		v.bcl = int32(pickWeighted(r, []float64{10, 10, 4, 20, 20, 14, 10, 7, 4, 1}))
		if v.bcl >= 7 {
			v.action, v.location = "Junked", "Junk folder"
			v.threats, v.methods, v.confidence = "Spam", `{"Spam":["Bulk"]}`, `{"Spam":"Normal"}`
			v.emailAction, v.pol = "Move message to junk mail folder", polBulk
		}

	case kSpam:
		dom := g.spamDomain(r)
		first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
		local := []string{"info", "sales", "promo", strings.ToLower(first), strings.ToLower(first) + "." + strings.ToLower(last), "support"}[r.IntN(6)]
		ev.SenderFromAddress = local + "@" + dom
		ev.SenderMailFromAddress = ev.SenderFromAddress
		ev.SenderFromDomain, ev.SenderMailFromDomain = dom, dom
		if r.IntN(3) == 0 {
			md := g.spamDomain(r)
			ev.SenderMailFromAddress = "bounce@" + md
			ev.SenderMailFromDomain = md
		}
		ev.SenderDisplayName = []string{first + " " + last, "Customer Service", "Rewards Center", "Sales Team", "Delivery Notice"}[r.IntN(5)]
		ev.SenderIPv4 = randomPublicIP(r)
		ev.InternetMessageId = g.extMessageID(r, dom)
		ev.EmailDirection = "Inbound"
		ev.EmailLanguage = pickLang(r, 0.7)
		tmplIdx = r.IntN(len(spamSubjects))
		ev.Subject = g.fill(r, spamSubjects[tmplIdx], "", dom)
		urlCount = drawSpan(r, []span{{1, 3, 60}, {4, 20, 40}})
		ev.EmailClusterId = clusterID(int(m.kind), tmplIdx, r.IntN(50))
		ev.AuthenticationDetails = pickAuth(r, authBad)
		meth := spamMethods[r.IntN(len(spamMethods))]
		v.threats, v.methods = "Spam", `{"Spam":["`+meth+`"]}`
		v.bcl = int32(pickWeighted(r, []float64{70, 0, 0, 0, 0, 0, 0, 0, 15, 15}))
		switch x := r.IntN(100); {
		case x < 84:
			v.action, v.location, v.confidence = "Junked", "Junk folder", `{"Spam":"Normal"}`
			v.emailAction, v.pol = "Move message to junk mail folder", polAntispam
		case x < 95:
			v.action, v.location, v.confidence = "Blocked", "Quarantine", `{"Spam":"High"}`
			v.emailAction, v.pol = "Send message to quarantine", polHighConf
		default: // missed, zapped later
			v.threats, v.methods = "", ""
			v.zap, v.zapThreats, v.zapMethods = "Spam ZAP", "Spam", `{"Spam":["`+meth+`"]}`
			v.zapDelay = time.Duration(10+r.IntN(600)) * time.Minute
		}

	case kPhish:
		g.phishBackground(r, &v)
		ev.EmailDirection = "Inbound"
		tmplIdx = r.IntN(len(phishSubjects))
		ev.Subject = g.fill(r, phishSubjects[tmplIdx], "", "")
		ev.EmailClusterId = clusterID(int(m.kind), tmplIdx, r.IntN(20))
		urlCount = drawSpan(r, []span{{1, 2, 80}, {3, 6, 20}})
		ev.EmailLanguage = pickLang(r, 0.85)

	case kMalware:
		dom := g.spamDomain(r)
		first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
		ev.SenderFromAddress = strings.ToLower(first) + "@" + dom
		ev.SenderMailFromAddress = ev.SenderFromAddress
		ev.SenderFromDomain, ev.SenderMailFromDomain = dom, dom
		ev.SenderDisplayName = first + " " + last
		ev.SenderIPv4 = randomPublicIP(r)
		ev.InternetMessageId = g.extMessageID(r, dom)
		ev.EmailDirection = "Inbound"
		ev.EmailLanguage = pickLang(r, 0.8)
		tmplIdx = r.IntN(len(malwareSubjects))
		ev.Subject = g.fill(r, malwareSubjects[tmplIdx], "", "")
		ev.EmailClusterId = clusterID(int(m.kind), tmplIdx, r.IntN(20))
		ev.AuthenticationDetails = pickAuth(r, authBad)
		attCount = 1 + drawSpan(r, []span{{0, 0, 85}, {1, 1, 15}})
		v.threats = "Malware"
		v.names = malwareNames[r.IntN(len(malwareNames))]
		v.methods = `{"Malware":[` + malwareMethods[r.IntN(len(malwareMethods))] + `]}`
		switch x := r.IntN(100); {
		case x < 88:
			v.action, v.location = "Blocked", "Quarantine"
			v.emailAction, v.pol = "Send message to quarantine", polAntimalware
		case x < 94:
			v.action, v.location = "Replaced", "Inbox/folder"
			v.emailAction, v.pol = "Replace attachment", polSafeAttach
		default:
			v.zap, v.zapThreats, v.zapMethods = "Malware ZAP", v.threats, v.methods
			v.threats, v.names, v.methods = "", "", ""
			v.zapDelay = time.Duration(15+r.IntN(240)) * time.Minute
		}

	case kCampaign:
		camp = g.campaigns[m.camp]
		camp.fill(g, r, at, &v)
		tmplIdx = camp.id
		urlCount = len(camp.urls)
		if camp.attachment != nil {
			attCount = 1
		}
	}

	if v.zap != "" && !at.Add(v.zapDelay).Before(g.opt.Now) {
		v.zap = "" // would happen after now: not yet
	}
	if ev.EmailDirection == "Inbound" && v.zap == "" && v.action == "Delivered" && r.IntN(200) == 0 && at.Add(time.Hour).Before(g.opt.Now) {
		// The occasional admin clean-up of a delivered message.
		v.zap = "Manual Remediation"
		v.zapDelay = time.Duration(30+r.IntN(2000)) * time.Minute
		if !at.Add(v.zapDelay).Before(g.opt.Now) {
			v.zap = ""
		}
	}

	ev.DeliveryAction, ev.DeliveryLocation = v.action, v.location
	ev.ThreatTypes, ev.ThreatNames, ev.DetectionMethods, ev.ConfidenceLevel = v.threats, v.names, v.methods, v.confidence
	ev.BulkComplaintLevel = v.bcl
	ev.EmailAction, ev.EmailActionPolicy, ev.EmailActionPolicyGuid = v.emailAction, v.pol.name, v.pol.guid
	ev.LatestDeliveryLocation, ev.LatestDeliveryAction = v.location, v.action
	var zapAction, zapLocation string
	switch v.zap {
	case "Phish ZAP", "Malware ZAP":
		zapAction, zapLocation = "Moved to quarantine", "Quarantine"
		ev.LatestDeliveryLocation, ev.LatestDeliveryAction = "Quarantine", "Moved to quarantine"
	case "Spam ZAP":
		zapAction, zapLocation = "Moved to junk folder", "Junk folder"
		ev.LatestDeliveryLocation, ev.LatestDeliveryAction = "Junk folder", "Moved to junk folder"
	case "Manual Remediation":
		zapAction, zapLocation = "Soft delete", "Deleted items"
		if r.IntN(4) == 0 {
			zapAction = "Hard delete"
			zapLocation = "Dropped"
		}
		ev.LatestDeliveryLocation, ev.LatestDeliveryAction = zapLocation, "Moved to deleted items"
	}
	if ev.DeliveryLocation == "On-premises/external" && r.IntN(400) == 0 {
		ev.DeliveryAction, ev.DeliveryLocation = "Blocked", "Failed"
		ev.LatestDeliveryAction, ev.LatestDeliveryLocation = "Blocked", "Failed"
	}
	ev.AttachmentCount = int32(attCount)
	ev.UrlCount = int32(urlCount)
	if ev.EmailClusterId == 0 {
		ev.EmailClusterId = clusterID(int(m.kind), tmplIdx, 0)
	}

	// Auxiliary content of the message: attachments and URLs, drawn from
	// the auxiliary stream so that leaving those tables out changes nothing.
	// Attachments are drawn even when their table is not wanted: EmailSize
	// counts them.
	g.makeAttachments(ar, attCount, camp, &v, g.sink.EmailAttachmentInfo != nil)
	needAux := g.sink.EmailAttachmentInfo != nil || g.sink.EmailUrlInfo != nil || g.sink.UrlClickEvents != nil
	if needAux {
		g.makeURLs(ar, urlCount, camp, extDom, ev.SenderFromDomain, recipientDomain)
	}
	ev.EmailSize = g.emailSize(r, m.kind)
	ev.ThreatClassification = threatClass(ev.ThreatTypes, m.kind, tmplIdx, camp)
	ev.IsFirstContact = strings.Contains(ev.AdditionalFields, `"IsFirstContact":true`)
	switch {
	case ev.EmailDirection == "Inbound" && (m.kind == kInPerson || m.kind == kBulk) && r.IntN(60) == 0:
		ev.ExchangeTransportRule = "Tag external senders"
	case ev.EmailDirection == "Outbound" && r.IntN(80) == 0:
		ev.ExchangeTransportRule = "Append legal disclaimer"
	}
	if g.sink.EmailUrlInfo != nil {
		u := &g.url
		for i, link := range g.urls {
			// Each URL found is the root (position 0) of its own chain.
			*u = EmailUrl{Timestamp: at, TimeGenerated: at, NetworkMessageId: nmid, Url: link, UrlDomain: hostOf(link),
				UrlLocation: "Body", UrlChainId: g.chainID(m.seed, i), ReportId: g.reportID(ar, nmid, i+1)}
			if camp != nil && camp.qr {
				u.UrlLocation = "QRCode"
			} else if i > 0 && ar.IntN(15) == 0 {
				u.UrlLocation = "Attachment"
			}
			if err := g.sink.EmailUrlInfo(u); err != nil {
				return err
			}
			g.stats.EmailUrlInfo++
		}
	}

	// The recipients: a message names each recipient once, and intra-org
	// mail does not go back to its sender.
	g.seen = g.seen[:0]
	g.picks = g.picks[:0]
	if sender != nil {
		g.seen = append(g.seen, sender.Address)
	}
	for i := 0; i < int(m.n); i++ {
		var p rcptPick
		for try := 0; ; try++ {
			p = rcptPick{user: -1}
			if internalRecipients {
				switch {
				case camp != nil:
					p.user = camp.target(r, len(o.Users))
				case sender != nil && r.IntN(10) < 7:
					// colleagues sit near each other in the user list
					p.user = g.nearUser(r, senderIdx)
				default:
					p.user = r.IntN(len(o.Users))
				}
				p.addr = o.Users[p.user].Address
			} else if fwd != nil {
				p.addr = fwd.target
			} else {
				di := recipientDomain
				if i > 0 && r.IntN(10) < 3 {
					di = o.externalDomain(r)
				}
				p.addr = externalAddress(r, &o.ExternalDomains[di])
			}
			if !slices.Contains(g.seen, p.addr) || try == 50 {
				break
			}
		}
		g.seen = append(g.seen, p.addr)
		g.picks = append(g.picks, p)
	}
	// The To and Cc headers. People address a message to some and copy
	// others, or write to a distribution list (then the rows are its
	// expanded members); machines address each recipient on their own.
	human := m.kind == kOutbound || m.kind == kIntra || m.kind == kInPerson
	if human {
		if m.kind == kIntra && len(g.picks) >= 9 && r.IntN(2) == 0 {
			ev.DistributionList = teamNames[senderIdx/40%len(teamNames)] + "@" + o.AcceptedDomains[0]
			ev.To = g.jsonArray([]rcptPick{{addr: ev.DistributionList}})
			ev.Cc = "[]"
		} else {
			nTo := 1
			if len(g.picks) > 1 {
				nTo = 1 + r.IntN(len(g.picks))
			}
			ev.To = g.jsonArray(g.picks[:nTo])
			ev.Cc = g.jsonArray(g.picks[nTo:])
		}
	}

	// One row per recipient.
	for i := range g.picks {
		p := &g.picks[i]
		var rcpt *User
		ev.RecipientEmailAddress, ev.RecipientObjectId = p.addr, ""
		if p.user >= 0 {
			rcpt = &o.Users[p.user]
			ev.RecipientObjectId = rcpt.ObjectID
		}
		ev.RecipientDomain = DomainOf(p.addr)
		if !human {
			ev.To, ev.Cc = g.jsonArray(g.picks[i:i+1]), "[]"
		}
		ev.Context = ""
		if ev.ThreatTypes != "" && p.user >= 0 && p.user < priorityUsers {
			ev.Context = priorityContext
		}
		ev.ReportId = g.reportID(r, nmid, i+1)
		if ev.EmailLanguage == "" && r.IntN(2) == 0 && rcpt != nil {
			ev.EmailLanguage = rcpt.Language
		}
		if err := g.sink.EmailEvents(ev); err != nil {
			return err
		}
		g.stats.EmailEvents++

		if g.sink.EmailAttachmentInfo != nil {
			for j := range g.atts {
				a := &g.atts[j]
				row := &g.att
				*row = EmailAttachment{Timestamp: at, TimeGenerated: at, NetworkMessageId: nmid,
					SenderFromAddress: ev.SenderFromAddress, SenderDisplayName: ev.SenderDisplayName,
					SenderObjectId: ev.SenderObjectId, RecipientEmailAddress: ev.RecipientEmailAddress,
					RecipientObjectId: ev.RecipientObjectId, FileName: a.name, FileType: a.fileType,
					SHA256: a.sha, FileSize: a.size, ReportId: g.reportID(ar, nmid, j+1)}
				if a.malicious {
					row.ThreatTypes = "Malware"
					row.ThreatNames = v.names
					row.DetectionMethods = v.methods
					if row.ThreatNames == "" {
						row.ThreatNames = malwareNames[ar.IntN(len(malwareNames))]
						row.DetectionMethods = v.zapMethods
					}
				}
				if err := g.sink.EmailAttachmentInfo(row); err != nil {
					return err
				}
				g.stats.EmailAttachmentInfo++
			}
		}

		if v.zap != "" && g.sink.EmailPostDeliveryEvents != nil {
			p := &g.pde
			zt := at.Add(v.zapDelay + time.Duration(ar.IntN(120))*time.Second)
			if zt.Before(g.opt.Now) {
				*p = PostDeliveryEvent{Timestamp: zt, TimeGenerated: zt, NetworkMessageId: nmid,
					InternetMessageId: ev.InternetMessageId, Action: zapAction, ActionType: v.zap,
					ActionTrigger: "SpecialAction", ActionResult: "Success",
					RecipientEmailAddress: ev.RecipientEmailAddress, DeliveryLocation: zapLocation,
					ThreatTypes: v.zapThreats, DetectionMethods: v.zapMethods, ReportId: g.reportID(ar, nmid, i+1),
					SenderFromAddress: ev.SenderFromAddress, EmailDirection: ev.EmailDirection, SourceLocation: ev.DeliveryLocation}
				if v.zap == "Manual Remediation" {
					p.ActionTrigger = "AdminAction"
				} else if ar.IntN(25) == 0 {
					p.ActionResult = "Error"
				}
				if err := g.sink.EmailPostDeliveryEvents(p); err != nil {
					return err
				}
				g.stats.EmailPostDeliveryEvents++
			}
		}

		if g.sink.UrlClickEvents != nil && rcpt != nil && len(g.urls) > 0 && v.action == "Delivered" {
			if err := g.clicks(ar, at, nmid, rcpt, camp, &v); err != nil {
				return err
			}
		}
	}
	return nil
}

// clickApps are the mail clients Safe Links clicks come from, with the
// versions seen.
var clickApps = []struct {
	name     string
	versions []string
}{
	{"Outlook", []string{"16.0.17928.20216", "16.0.18025.20160", "16.0.18129.20158"}},
	{"Outlook for iOS", []string{"4.2442.0", "4.2446.0"}},
	{"Outlook for Android", []string{"4.2443.1", "4.2445.2"}},
	{"Outlook on the web", []string{""}},
}

var clickAppWeights = []float64{60, 15, 10, 15}

// teamNames name the distribution lists of the teams (40 users each, in
// user-list order).
var teamNames = []string{"sales-team", "engineering", "finance", "marketing", "support", "hr-team", "legal", "operations",
	"product", "it-team", "procurement", "customer-success"}

// jsonArray returns the JSON array of the recipients' addresses.
func (g *generator) jsonArray(p []rcptPick) string {
	b := append(g.json[:0], '[')
	for i := range p {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, p[i].addr)
	}
	b = append(b, ']')
	g.json = b
	return string(b)
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// bodySize is the range of a message's size without attachments, in bytes,
// by kind (headers included).
var bodySize = [nKinds][2]int{
	kOutbound: {4_000, 60_000}, kIntra: {4_000, 60_000}, kInPerson: {5_000, 80_000},
	kBulk: {25_000, 150_000}, kSpam: {6_000, 45_000}, kPhish: {5_000, 40_000},
	kMalware: {3_000, 12_000}, kCampaign: {6_000, 30_000},
}

// emailSize is the size of the current message in bytes: headers and body,
// plus the attachments base64-encoded (4/3 of their size) with their MIME
// headers.
func (g *generator) emailSize(r *rand.Rand, kind int8) int64 {
	b := bodySize[kind]
	n := int64(b[0] + r.IntN(b[1]-b[0]+1))
	for _, a := range g.atts {
		n += (a.size+2)/3*4 + 350
	}
	return n
}

// phishClass is the ThreatClassification of the everyday phish lures, by
// subject template (phishSubjects): a business-email-compromise category
// where the lure is one, "Phish" for credential harvesting.
var phishClass = []string{"Phish", "Phish", "Payroll", "Phish", "Invoice", "Phish", "Phish", "Task", "Payroll", "Phish"}

// threatClass is the ThreatClassification of a message whose verdict is
// threats: empty when there is none, else the main threat's class.
func threatClass(threats string, kind int8, tmpl int, camp *campaign) string {
	switch {
	case threats == "":
		return ""
	case strings.Contains(threats, "Phish"):
		switch {
		case camp != nil && camp.class != "":
			return camp.class
		case kind == kPhish && tmpl < len(phishClass):
			return phishClass[tmpl]
		}
		return "Phish"
	case strings.Contains(threats, "Malware"):
		return "Malware"
	}
	return "Spam"
}

// clicks emits the Safe Links clicks of one recipient on one message.
func (g *generator) clicks(ar *rand.Rand, at time.Time, nmid string, rcpt *User, camp *campaign, v *verdict) error {
	p := 0.015
	if camp != nil {
		p = camp.clickRate
	} else if v.zapThreats != "" {
		p = 0.06 // a lure that got through
	}
	if ar.Float64() >= p {
		return nil
	}
	c := &g.clk
	delay := time.Duration(30+ar.IntN(8*3600)) * time.Second
	if camp != nil {
		delay = time.Duration(20+ar.IntN(40*60)) * time.Second
	}
	ct := at.Add(delay)
	if !ct.Before(g.opt.Now) {
		return nil
	}
	link := g.urls[ar.IntN(len(g.urls))]
	*c = UrlClick{Timestamp: ct, TimeGenerated: ct, Url: link, ActionType: "ClickAllowed", AccountUpn: rcpt.Address,
		Workload: "Email", NetworkMessageId: nmid, IPAddress: g.org.egressV4[ar.IntN(len(g.org.egressV4))],
		ReportId: g.reportID(ar, nmid, 1)}
	if ar.IntN(5) == 0 {
		c.IPAddress = randomPublicIP(ar) // working from home
	}
	if camp != nil {
		switch x := ar.IntN(100); {
		case x < 55:
			c.ActionType = "ClickBlocked"
			c.ThreatTypes, c.DetectionMethods = camp.threat, camp.methods
			c.IsClickedThrough = ar.IntN(6) == 0
		case x < 60:
			c.ActionType = "UrlScanInProgress"
		}
	} else if v.zapThreats != "" && ar.IntN(2) == 0 {
		// the verdict was known by the time of the click
		c.ThreatTypes, c.DetectionMethods = v.zapThreats, v.zapMethods
		if v.zapThreats != "Spam" {
			c.ActionType = "ClickBlocked"
			c.IsClickedThrough = ar.IntN(6) == 0
		}
	} else if ar.IntN(400) == 0 {
		c.ActionType = "UrlErrorPage"
	}
	if strings.Contains(link, "/r/") {
		c.UrlChain = `["` + link + `","https://` + hostOf(link) + `/landing"]`
	}
	app := &clickApps[pickWeighted(ar, clickAppWeights)]
	c.AppName, c.AppVersion = app.name, app.versions[ar.IntN(len(app.versions))]
	if err := g.sink.UrlClickEvents(c); err != nil {
		return err
	}
	g.stats.UrlClickEvents++
	return nil
}

// makeAttachments draws the attachments of the current message. Without
// full, only their sizes are kept (for EmailSize), from the same draws.
func (g *generator) makeAttachments(ar *rand.Rand, n int, camp *campaign, v *verdict, full bool) {
	g.atts = g.atts[:0]
	for i := 0; i < n; i++ {
		if camp != nil && camp.attachment != nil {
			g.atts = append(g.atts, *camp.attachment)
			continue
		}
		if !full {
			// the draws below, without building the strings
			if i == 0 && (v.threats == "Malware" || v.zap == "Malware ZAP") {
				ar.IntN(7)
				ar.IntN(len(fileStems))
				ar.IntN(9000)
				skip64(ar)
				g.atts = append(g.atts, attachment{size: int64(20_000 + ar.IntN(900_000))})
				continue
			}
			f := &benignFiles[ar.IntN(len(benignFiles))]
			ar.IntN(len(fileStems))
			if ar.IntN(2) == 0 {
				ar.IntN(7)
				ar.IntN(12)
			}
			skip64(ar)
			g.atts = append(g.atts, attachment{size: int64(f.minKB+ar.IntN(f.maxKB-f.minKB+1)) * 1024})
			continue
		}
		if v.threats == "Malware" || v.zap == "Malware ZAP" {
			if i == 0 {
				ext := []string{"zip", "docm", "html", "iso", "xlsm", "js", "jnlp"}[ar.IntN(7)]
				ft := ext
				if ext == "docm" || ext == "xlsm" {
					ft = "doc"
				}
				g.atts = append(g.atts, attachment{name: fileStems[ar.IntN(len(fileStems))] + "_" + strconv.Itoa(1000+ar.IntN(9000)) + "." + ext,
					fileType: ft, sha: g.hex64(ar), size: int64(20_000 + ar.IntN(900_000)), malicious: true})
				continue
			}
		}
		f := benignFiles[ar.IntN(len(benignFiles))]
		name := fileStems[ar.IntN(len(fileStems))]
		if ar.IntN(2) == 0 {
			name += "_" + strconv.Itoa(2020+ar.IntN(7)) + "-" + strconv.Itoa(1+ar.IntN(12))
		}
		g.atts = append(g.atts, attachment{name: name + "." + f.ext, fileType: f.fileType, sha: g.hex64(ar),
			size: int64(f.minKB+ar.IntN(f.maxKB-f.minKB+1)) * 1024})
	}
}

func (g *generator) makeURLs(ar *rand.Rand, n int, camp *campaign, ext *ExternalDomain, senderDomain string, rcptDomain int) {
	g.urls = g.urls[:0]
	for i := 0; i < n; i++ {
		if camp != nil {
			g.urls = append(g.urls, camp.urls[i%len(camp.urls)])
			continue
		}
		host := senderDomain
		switch {
		case ext != nil && ext.Kind == "service" && ar.IntN(3) > 0:
			host = "click.em." + ext.Domain
		case rcptDomain >= 0 && ar.IntN(2) == 0:
			host = g.org.ExternalDomains[rcptDomain].Domain
		case ar.IntN(4) == 0:
			host = []string{"contoso.sharepoint.com", "teams.microsoft.com", "aka.ms", "www.linkedin.com", "github.com", "youtu.be"}[ar.IntN(6)]
		case host == "":
			host = "example.com"
		}
		if !strings.Contains(host, ".") {
			host = "example.com"
		}
		if !strings.HasPrefix(host, "click.") && strings.Count(host, ".") == 1 {
			host = "www." + host
		}
		b := g.b[:0]
		b = append(b, "https://"...)
		b = append(b, host...)
		if strings.HasPrefix(host, "click.") {
			b = append(b, "/r/"...)
			b = strconv.AppendUint(b, ar.Uint64()>>20, 36)
		} else {
			b = append(b, '/')
			b = append(b, pathWords[ar.IntN(len(pathWords))]...)
			if ar.IntN(2) == 0 {
				b = append(b, '/')
				b = strconv.AppendInt(b, int64(ar.IntN(100000)), 10)
			}
		}
		g.b = b
		g.urls = append(g.urls, string(b))
	}
}

// externalAddress draws a correspondent at an external domain: a person,
// or at a service a role mailbox; consumer addresses often carry digits.
func externalAddress(r *rand.Rand, d *ExternalDomain) string {
	if d.Kind == "service" && r.IntN(3) > 0 {
		return []string{"support", "billing", "noreply", "no-reply", "help", "accounts", "sales"}[r.IntN(7)] + "@" + d.Domain
	}
	first, last := strings.ToLower(firstNames[r.IntN(len(firstNames))]), strings.ToLower(lastNames[r.IntN(len(lastNames))])
	switch {
	case d.Kind == "consumer" && r.IntN(2) == 0:
		return first + last + strconv.Itoa(r.IntN(2000)) + "@" + d.Domain
	case r.IntN(8) == 0:
		return first[:1] + last + "@" + d.Domain
	}
	return first + "." + last + "@" + d.Domain
}

// phishBackground fills the sender and verdict of everyday phishing:
// spoofing and impersonation caught by the filters.
func (g *generator) phishBackground(r *rand.Rand, v *verdict) {
	ev := &g.ev
	o := g.org
	v.threats = "Phish"
	var meth string
	switch x := r.IntN(100); {
	case x < 40: // external domain spoof
		d := &o.ExternalDomains[g.services[g.serviceIndex(r)]]
		ev.SenderFromAddress = "security@" + d.Domain
		ev.SenderFromDomain = d.Domain
		ev.SenderDisplayName = d.Brand
		md := g.spamDomain(r)
		ev.SenderMailFromAddress, ev.SenderMailFromDomain = "info@"+md, md
		meth, v.pol = "Spoof DMARC", polSpoof
		ev.AuthenticationDetails = `{"SPF":"fail","DKIM":"none","DMARC":"fail","CompAuth":"fail"}`
	case x < 60: // intra-org spoof: pretends to come from a colleague
		u := &o.Users[r.IntN(len(o.Users))]
		ev.SenderFromAddress = u.Address
		ev.SenderFromDomain = DomainOf(u.Address)
		ev.SenderDisplayName = u.DisplayName
		md := g.spamDomain(r)
		ev.SenderMailFromAddress, ev.SenderMailFromDomain = "mailer@"+md, md
		meth, v.pol = "Spoof intra-org", polSpoof
		ev.AuthenticationDetails = `{"SPF":"softfail","DKIM":"fail","DMARC":"fail","CompAuth":"fail"}`
	case x < 80: // domain impersonation of the organisation
		dom := strings.Replace(o.AcceptedDomains[0], "o", "0", 1)
		if r.IntN(2) == 0 {
			dom = strings.TrimSuffix(o.AcceptedDomains[0], ".com") + "-support.com"
		}
		ev.SenderFromAddress = "it-helpdesk@" + dom
		ev.SenderMailFromAddress = ev.SenderFromAddress
		ev.SenderFromDomain, ev.SenderMailFromDomain = dom, dom
		ev.SenderDisplayName = "IT Helpdesk"
		meth, v.pol = "Impersonation domain", polDomainImp
		ev.AuthenticationDetails = `{"SPF":"pass","DKIM":"none","DMARC":"none","CompAuth":"softpass"}`
	default: // credential phish by URL reputation
		dom := g.spamDomain(r)
		ev.SenderFromAddress = "no-reply@" + dom
		ev.SenderMailFromAddress = ev.SenderFromAddress
		ev.SenderFromDomain, ev.SenderMailFromDomain = dom, dom
		ev.SenderDisplayName = "Microsoft 365"
		meth, v.pol = []string{"URL malicious reputation", "URL detonation reputation", "Advanced filter"}[r.IntN(3)], polPhish
		ev.AuthenticationDetails = pickAuth(r, authBad)
	}
	ev.SenderIPv4 = randomPublicIP(r)
	ev.InternetMessageId = g.extMessageID(r, ev.SenderMailFromDomain)
	v.methods = `{"Phish":["` + meth + `"]}`
	switch x := r.IntN(100); {
	case x < 65:
		v.action, v.location, v.confidence = "Blocked", "Quarantine", `{"Phish":"High"}`
		v.emailAction = "Send message to quarantine"
	case x < 80:
		v.threats = "Phish, Spam"
		v.methods = `{"Phish":["` + meth + `"],"Spam":["Advanced filter"]}`
		v.action, v.location, v.confidence = "Blocked", "Quarantine", `{"Phish":"High","Spam":"High"}`
		v.emailAction = "Send message to quarantine"
	case x < 94:
		v.action, v.location, v.confidence = "Junked", "Junk folder", `{"Phish":"Low"}`
		v.emailAction = "Move message to junk mail folder"
	default: // missed at delivery, zapped
		v.zap, v.zapThreats, v.zapMethods = "Phish ZAP", "Phish", v.methods
		v.threats, v.methods, v.pol = "", "", policy{}
		v.zapDelay = time.Duration(5+r.IntN(300)) * time.Minute
	}
}

// ---------------------------------------------------------------------------
// helpers

// activeUser draws a sender: a minority of users sends most of the mail.
func (g *generator) activeUser(r *rand.Rand) int {
	f := r.Float64()
	return int(f * f * float64(len(g.org.Users)))
}

// nearUser draws a colleague of user si: teams of 40 sit next to each other
// in the user list.
func (g *generator) nearUser(r *rand.Rand, si int) int {
	n := len(g.org.Users)
	j := si/40*40 + r.IntN(40)
	if j >= n {
		j = r.IntN(n)
	}
	return j
}

func (g *generator) serviceIndex(r *rand.Rand) int {
	i, _ := slices.BinarySearch(g.serviceZipf, r.Float64())
	if i >= len(g.services) {
		i = len(g.services) - 1
	}
	return i
}

func (g *generator) senderIP(r *rand.Rand, d *ExternalDomain) {
	if d.ipv6 != "" && r.IntN(10) < 8 {
		g.ev.SenderIPv6 = d.ipv6 + strconv.FormatUint(uint64(r.IntN(0xfff)), 16)
		return
	}
	b := g.b[:0]
	for i := 0; i < 3; i++ {
		b = strconv.AppendInt(b, int64(d.ipBase[i]), 10)
		b = append(b, '.')
	}
	b = strconv.AppendInt(b, int64(1+r.IntN(254)), 10)
	g.b = b
	g.ev.SenderIPv4 = string(b)
}

func randomPublicIP(r *rand.Rand) string {
	p := publicSlash24(r)
	return strconv.Itoa(int(p[0])) + "." + strconv.Itoa(int(p[1])) + "." + strconv.Itoa(int(p[2])) + "." + strconv.Itoa(1+r.IntN(254))
}

func (g *generator) spamDomain(r *rand.Rand) string {
	b := g.b[:0]
	n := 2 + r.IntN(2)
	for i := 0; i < n; i++ {
		b = append(b, syllables[r.IntN(len(syllables))]...)
	}
	if r.IntN(3) == 0 {
		b = strconv.AppendInt(b, int64(r.IntN(100)), 10)
	}
	b = append(b, '.')
	b = append(b, spamTLDs[r.IntN(len(spamTLDs))]...)
	g.b = b
	return string(b)
}

func (g *generator) uuidString(r *rand.Rand) string {
	g.b = appendUUID(g.b[:0], r)
	return string(g.b)
}

// chainID is the UrlChainId of URL i of the message with the given seed,
// from its own stream so that the other draws do not move.
func (g *generator) chainID(seed uint64, i int) string {
	if g.cr == nil {
		g.cpcg = rand.NewPCG(0, 0)
		g.cr = rand.New(g.cpcg)
	}
	g.cpcg.Seed(g.opt.Seed^0x636861696e, seed+uint64(i)) // "chain"
	return g.uuidString(g.cr)
}

// skip64 makes the draws of hex64.
func skip64(r *rand.Rand) {
	for i := 0; i < 4; i++ {
		r.Uint64()
	}
}

func (g *generator) hex64(r *rand.Rand) string {
	b := g.b[:0]
	for i := 0; i < 4; i++ {
		x := r.Uint64()
		for j := 0; j < 16; j++ {
			b = append(b, hexDigits[x>>60])
			x <<= 4
		}
	}
	g.b = b
	return string(b)
}

// reportID follows Defender's NetworkMessageId-<counter>-<n> shape.
func (g *generator) reportID(r *rand.Rand, nmid string, n int) string {
	b := append(g.b[:0], nmid...)
	b = append(b, '-')
	b = strconv.AppendUint(b, r.Uint64()>>2, 10)
	b = append(b, '-')
	b = strconv.AppendInt(b, int64(n), 10)
	g.b = b
	return string(b)
}

// exoMessageID is an Internet message id minted by Exchange Online.
func (g *generator) exoMessageID(r *rand.Rand) string {
	reg := azureRegions[r.IntN(len(azureRegions))]
	b := append(g.b[:0], '<')
	x := r.Uint64()
	for i := 0; i < 14; i++ {
		b = append(b, "0123456789ABCDEF"[x&0xf])
		x >>= 4
	}
	b = append(b, '@')
	b = append(b, reg.server...)
	b = strconv.AppendInt(b, int64(1000+r.IntN(9000)), 10)
	b = append(b, '.')
	b = append(b, reg.region...)
	b = append(b, ".prod.outlook.com>"...)
	g.b = b
	return string(b)
}

func (g *generator) extMessageID(r *rand.Rand, domain string) string {
	b := append(g.b[:0], '<')
	b = strconv.AppendUint(b, r.Uint64()>>16, 36)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(r.IntN(100000000)), 10)
	b = append(b, "@mail."...)
	b = append(b, domain...)
	b = append(b, '>')
	g.b = b
	return string(b)
}

// fill expands {n}, {brand} and {domain} in a subject template.
func (g *generator) fill(r *rand.Rand, tmpl, brand, domain string) string {
	if strings.IndexByte(tmpl, '{') < 0 {
		return tmpl
	}
	b := g.b[:0]
	for i := 0; i < len(tmpl); i++ {
		if tmpl[i] == '{' {
			j := strings.IndexByte(tmpl[i:], '}')
			switch tmpl[i+1 : i+j] {
			case "n":
				b = strconv.AppendInt(b, int64(1000+r.IntN(90000)), 10)
			case "brand":
				b = append(b, brand...)
			case "domain":
				b = append(b, domain...)
			}
			i += j
			continue
		}
		b = append(b, tmpl[i])
	}
	g.b = b
	return string(b)
}

func clusterID(kind, tmpl, dom int) int64 {
	return int64(kind+1)*1_000_000_000_000 + int64(tmpl)*1_000_003 + int64(dom%997)*1_009
}

func pickLang(r *rand.Rand, en float64) string {
	if r.Float64() < en {
		return "en"
	}
	if r.IntN(4) == 0 {
		return ""
	}
	return languages[1+r.IntN(len(languages)-1)]
}

type authProfile struct {
	w    float64
	json string
}

var (
	authGood = []authProfile{
		{80, `{"SPF":"pass","DKIM":"pass","DMARC":"pass","CompAuth":"pass"}`},
		{8, `{"SPF":"pass","DKIM":"none","DMARC":"bestguesspass","CompAuth":"pass"}`},
		{6, `{"SPF":"softfail","DKIM":"pass","DMARC":"pass","CompAuth":"pass"}`},
		{5, `{"SPF":"pass","DKIM":"pass","DMARC":"none","CompAuth":"softpass"}`},
		{1, `{"SPF":"none","DKIM":"none","DMARC":"none","CompAuth":"none"}`},
	}
	authBulk = []authProfile{
		{85, `{"SPF":"pass","DKIM":"pass","DMARC":"pass","CompAuth":"pass"}`},
		{15, `{"SPF":"pass","DKIM":"pass","DMARC":"none","CompAuth":"softpass"}`},
	}
	authBad = []authProfile{
		{35, `{"SPF":"fail","DKIM":"none","DMARC":"fail","CompAuth":"fail"}`},
		{25, `{"SPF":"none","DKIM":"none","DMARC":"none","CompAuth":"none"}`},
		{15, `{"SPF":"softfail","DKIM":"fail","DMARC":"fail","CompAuth":"fail"}`},
		{25, `{"SPF":"pass","DKIM":"none","DMARC":"none","CompAuth":"softpass"}`},
	}
)

func pickAuth(r *rand.Rand, p []authProfile) string {
	var sum float64
	for _, a := range p {
		sum += a.w
	}
	f := r.Float64() * sum
	for _, a := range p {
		if f < a.w {
			return a.json
		}
		f -= a.w
	}
	return p[len(p)-1].json
}

func hostOf(u string) string {
	s := strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	return s
}
