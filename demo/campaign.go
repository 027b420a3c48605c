package demo

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// campaign is a burst of malicious mail aimed at a group of users: a few
// hours of messages from one sender with one lure, mostly caught at
// delivery, partly delivered and zapped later, sometimes clicked.
type campaign struct {
	id             int
	Name           string
	threat         string // "Phish" or "Malware"
	methods        string // DetectionMethods JSON
	names          string // ThreatNames
	confidence     string
	start, end     time.Time
	rows           int
	senderAddr     string
	senderName     string
	mailFromAddr   string
	ipBase         [3]byte
	subject        string
	urls           []string
	qr             bool
	attachment     *attachment
	pol            policy
	blockAction    string // DeliveryAction when caught at delivery
	blockLocation  string
	blockRate      float64 // share caught at delivery
	zapRate        float64 // share delivered, then zapped
	clickRate      float64 // per delivered recipient
	detectAfter    time.Duration
	targets        []int
	cluster        int64
	auth           string
	lang           string
	internetDomain string
	bomb           bool   // subscription bombing: many senders, one victim
	class          string // ThreatClassification of a phish campaign ("" = "Phish")
}

// Campaign describes one of the malicious campaigns of a data set, for
// tests and for showing what to hunt for.
type Campaign struct {
	Name   string
	Threat string
	Sender string // empty when every message has another sender (bombing)
	Start  time.Time
	End    time.Time
	Rows   int
}

// Campaigns returns the campaigns Generate plants for opt.
func Campaigns(opt Options) []Campaign {
	opt = opt.withDefaults()
	start := opt.Now.Add(-time.Duration(opt.Days) * 24 * time.Hour)
	var out []Campaign
	for _, c := range makeCampaigns(opt, opt.Org, start) {
		out = append(out, Campaign{Name: c.Name, Threat: c.threat, Sender: c.senderAddr, Start: c.start, End: c.end, Rows: c.rows})
	}
	return out
}

func makeCampaigns(opt Options, o *Org, winStart time.Time) []*campaign {
	base := strings.TrimSuffix(o.AcceptedDomains[0], ".com")
	type spec struct {
		name, threat string
		weight       float64
	}
	specs := []spec{
		{"Password expiry credential phish", "Phish", 0.30},
		{"DocuSign QR-code phish", "Phish", 0.20},
		{"Invoice overdue malware", "Malware", 0.20},
		{"Voicemail HTML smuggling", "Malware", 0.15},
		{"CEO gift-card impersonation", "Phish", 0.15},
	}
	var out []*campaign
	for i, s := range specs {
		rows := int(float64(opt.Rows)*campaignShare*s.weight + 0.5)
		if rows == 0 {
			continue
		}
		r := rand.New(rand.NewPCG(opt.Seed, 0x63616d70<<8|uint64(i))) // "camp"
		c := &campaign{id: i, Name: s.name, threat: s.threat, rows: rows, ipBase: publicSlash24(r),
			auth: `{"SPF":"pass","DKIM":"pass","DMARC":"none","CompAuth":"softpass"}`, lang: "en",
			cluster: int64(9_000_000_000_000) + int64(i)*1_000_003, detectAfter: time.Duration(20+r.IntN(70)) * time.Minute,
			clickRate: 0.06 + 0.08*r.Float64()}
		// A weekday morning or early afternoon between the second day and
		// six hours before now.
		days := opt.Days - 1
		if days < 1 {
			days = 1
		}
		for tries := 0; ; tries++ {
			day := winStart.Truncate(24 * time.Hour).Add(time.Duration(1+r.IntN(days)) * 24 * time.Hour)
			c.start = day.Add(time.Duration(6+r.IntN(9))*time.Hour + time.Duration(r.IntN(3600))*time.Second)
			c.end = c.start.Add(time.Duration(2+r.IntN(5)) * time.Hour)
			wd := c.start.Weekday()
			if tries > 20 || (wd != time.Saturday && wd != time.Sunday && c.start.After(winStart) && c.end.Before(opt.Now)) {
				break
			}
		}
		if c.start.Before(winStart) {
			c.start = winStart
		}
		if c.end.After(opt.Now) {
			c.end = opt.Now
		}
		if !c.end.After(c.start) {
			continue
		}
		token := func() string { return strconv.FormatUint(r.Uint64()>>24, 36) }
		switch i {
		case 0:
			dom := base + "-helpdesk.com"
			c.senderAddr, c.senderName, c.mailFromAddr = "it-support@"+dom, "IT Support", "it-support@"+dom
			c.subject = "Action required: your password expires today"
			c.urls = []string{"https://login." + dom + "/owa/auth.aspx?id=" + token()}
			c.methods, c.confidence = `{"Phish":["URL detonation reputation"]}`, `{"Phish":"High"}`
			c.pol, c.blockAction, c.blockLocation = polHighConfPhish, "Blocked", "Quarantine"
			c.blockRate, c.zapRate = 0.62, 0.30
		case 1:
			dom := "docu-sign-review.net"
			c.senderAddr, c.senderName, c.mailFromAddr = "dse@"+dom, "DocuSign", "bounce@mta"+strconv.Itoa(1+r.IntN(20))+".bulk-relay.net"
			c.subject = "DocuSign: Please review and sign \"Q4 compensation plan\""
			c.urls = []string{"https://" + dom + "/s/" + token()}
			c.qr = true
			c.methods, c.confidence = `{"Phish":["Impersonation brand","URL detonation reputation"]}`, `{"Phish":"High"}`
			c.pol, c.blockAction, c.blockLocation = polPhish, "Blocked", "Quarantine"
			c.blockRate, c.zapRate = 0.50, 0.35
			c.auth = `{"SPF":"fail","DKIM":"none","DMARC":"fail","CompAuth":"fail"}`
		case 2:
			dom := syllables[r.IntN(len(syllables))] + syllables[r.IntN(len(syllables))] + "-logistics.com"
			c.senderAddr, c.senderName, c.mailFromAddr = "accounts@"+dom, "Accounts Receivable", "accounts@"+dom
			c.subject = "Invoice " + strconv.Itoa(10000+r.IntN(90000)) + " overdue - payment required"
			c.names = "Trojan:Win32/AgentTesla!ml"
			c.methods, c.confidence = `{"Malware":["File detonation"]}`, ""
			c.attachment = &attachment{name: "Invoice_" + strconv.Itoa(10000+r.IntN(90000)) + ".zip", fileType: "zip",
				sha: hexString(r), size: int64(180_000 + r.IntN(200_000)), malicious: true}
			c.pol, c.blockAction, c.blockLocation = polSafeAttach, "Blocked", "Quarantine"
			c.blockRate, c.zapRate = 0.80, 0.15
		case 3:
			dom := "voicemail-" + syllables[r.IntN(len(syllables))] + ".com"
			c.senderAddr, c.senderName, c.mailFromAddr = "voicemail@"+dom, "Voice Mail", "voicemail@"+dom
			c.subject = "New voicemail from +1 (555) 01" + strconv.Itoa(10+r.IntN(89))
			c.names = "Trojan:HTML/Phish.PHL!MTB"
			c.methods, c.confidence = `{"Malware":["File detonation reputation","URL detonation reputation"]}`, ""
			// An SVG carrying script: Defender reports its FileType as html.
			c.attachment = &attachment{name: "VM_Message_" + strconv.Itoa(100+r.IntN(900)) + ".svg", fileType: "html",
				sha: hexString(r), size: int64(3_000 + r.IntN(6_000)), malicious: true}
			c.urls = []string{"https://" + dom + "/play?m=" + token()}
			c.pol, c.blockAction, c.blockLocation = polAntimalware, "Blocked", "Quarantine"
			c.blockRate, c.zapRate = 0.70, 0.20
			c.auth = `{"SPF":"fail","DKIM":"none","DMARC":"fail","CompAuth":"fail"}`
		case 4:
			ceo := o.Users[0]
			local := strings.ReplaceAll(strings.ToLower(ceo.DisplayName), " ", ".")
			c.senderAddr, c.senderName, c.mailFromAddr = local+".office@gmail.com", ceo.DisplayName, local+".office@gmail.com"
			c.subject = "Quick favour - are you available?"
			c.class = "Gift card"
			c.methods, c.confidence = `{"Phish":["Impersonation user"]}`, `{"Phish":"Low"}`
			c.pol, c.blockAction, c.blockLocation = polUserImp, "Junked", "Junk folder"
			c.blockRate, c.zapRate = 0.75, 0.10
			c.clickRate = 0
		}
		c.internetDomain = DomainOf(c.mailFromAddr)
		// Targets: a department of the organisation.
		n := 50 + r.IntN(500)
		if n > len(o.Users) {
			n = len(o.Users)
		}
		first := r.IntN(len(o.Users))
		for j := 0; j < n; j++ {
			c.targets = append(c.targets, (first+j*7)%len(o.Users))
		}
		out = append(out, c)
	}
	// Subscription bombing: in the hours just before now, one user's
	// address is signed up to dozens of newsletters to bury a real alert.
	if opt.Rows >= 5000 {
		r := rand.New(rand.NewPCG(opt.Seed, 0x626f6d62)) // "bomb"
		rows := opt.Rows / 1000
		if rows < 40 {
			rows = 40
		}
		c := &campaign{id: len(specs), Name: "Subscription bombing", threat: "Spam", rows: rows, bomb: true, lang: "en",
			cluster: int64(9_000_000_000_000) + int64(len(specs))*1_000_003, targets: []int{1 + r.IntN(len(o.Users)-1)}}
		c.end = opt.Now.Add(-time.Duration(20+r.IntN(60)) * time.Minute)
		c.start = c.end.Add(-time.Duration(25+r.IntN(20)) * time.Minute)
		if !c.start.Before(winStart) {
			out = append(out, c)
		}
	}
	return out
}

// rowsBetween is the number of the campaign's rows in [lo, hi): rows spread
// evenly over the campaign, rounded so that the pieces add up exactly.
func (c *campaign) rowsBetween(lo, hi time.Time) int {
	upto := func(t time.Time) int {
		if !t.After(c.start) {
			return 0
		}
		if !t.Before(c.end) {
			return c.rows
		}
		return int(float64(c.rows)*float64(t.Sub(c.start))/float64(c.end.Sub(c.start)) + 0.5)
	}
	return upto(hi) - upto(lo)
}

func (c *campaign) target(r *rand.Rand, _ int) int {
	return c.targets[r.IntN(len(c.targets))]
}

// fill sets the sender side of a campaign message and its verdict.
func (c *campaign) fill(g *generator, r *rand.Rand, at time.Time, v *verdict) {
	ev := &g.ev
	if c.bomb {
		c.fillBomb(g, r, v)
		return
	}
	ev.SenderFromAddress, ev.SenderDisplayName = c.senderAddr, c.senderName
	ev.SenderFromDomain = DomainOf(c.senderAddr)
	ev.SenderMailFromAddress, ev.SenderMailFromDomain = c.mailFromAddr, DomainOf(c.mailFromAddr)
	b := g.b[:0]
	for i := 0; i < 3; i++ {
		b = strconv.AppendInt(b, int64(c.ipBase[i]), 10)
		b = append(b, '.')
	}
	b = strconv.AppendInt(b, int64(1+r.IntN(254)), 10)
	g.b = b
	ev.SenderIPv4 = string(b)
	ev.InternetMessageId = g.extMessageID(r, c.internetDomain)
	ev.EmailDirection = "Inbound"
	ev.Subject = c.subject
	ev.EmailClusterId = c.cluster
	ev.EmailLanguage = c.lang
	ev.AuthenticationDetails = c.auth
	if r.IntN(3) == 0 {
		ev.AdditionalFields = `{"IsFirstContact":true}`
	}
	x := r.Float64()
	switch {
	case x < c.blockRate:
		v.action, v.location = c.blockAction, c.blockLocation
		v.threats, v.names, v.methods, v.confidence = c.threat, c.names, c.methods, c.confidence
		v.pol = c.pol
		if c.blockLocation == "Quarantine" {
			v.emailAction = "Send message to quarantine"
		} else {
			v.emailAction = "Move message to junk mail folder"
		}
	case x < c.blockRate+c.zapRate:
		v.zap = c.threat + " ZAP"
		v.zapThreats, v.zapMethods = c.threat, c.methods
		d := c.start.Add(c.detectAfter).Sub(at)
		if d < 5*time.Minute {
			d = 5 * time.Minute
		}
		v.zapDelay = d + time.Duration(r.IntN(600))*time.Second
	}
	// otherwise delivered and never caught
}

func hexString(r *rand.Rand) string {
	b := make([]byte, 0, 64)
	for i := 0; i < 4; i++ {
		x := r.Uint64()
		for j := 0; j < 16; j++ {
			b = append(b, hexDigits[x>>60])
			x <<= 4
		}
	}
	return string(b)
}

var bombSubjects = []string{"Confirm your subscription", "Welcome to our newsletter!", "Please verify your email address",
	"Your account has been created", "Thanks for signing up", "Activate your account", "You're on the list!"}

// fillBomb makes one message of a subscription bombing: a different
// newsletter sender each time, mostly delivered.
func (c *campaign) fillBomb(g *generator, r *rand.Rand, v *verdict) {
	ev := &g.ev
	var dom string
	if r.IntN(3) == 0 {
		dom = g.spamDomain(r)
	} else {
		dom = g.org.ExternalDomains[len(wellKnown)+r.IntN(len(g.org.ExternalDomains)-len(wellKnown))].Domain
	}
	local := []string{"newsletter", "no-reply", "welcome", "info", "hello", "news"}[r.IntN(6)]
	ev.SenderFromAddress = local + "@" + dom
	ev.SenderMailFromAddress = "bounce@" + dom
	ev.SenderFromDomain, ev.SenderMailFromDomain = dom, dom
	ev.SenderDisplayName = strings.ToUpper(dom[:1]) + dom[1:strings.IndexByte(dom, '.')]
	ev.SenderIPv4 = randomPublicIP(r)
	ev.InternetMessageId = g.extMessageID(r, dom)
	ev.EmailDirection = "Inbound"
	ev.Subject = bombSubjects[r.IntN(len(bombSubjects))]
	ev.EmailClusterId = c.cluster + int64(r.IntN(40))
	ev.EmailLanguage = "en"
	ev.AuthenticationDetails = pickAuth(r, authBulk)
	ev.AdditionalFields = `{"IsFirstContact":true}`
	v.bcl = int32(4 + r.IntN(3))
	if r.IntN(5) == 0 {
		v.bcl = 7
		v.action, v.location = "Junked", "Junk folder"
		v.threats, v.methods, v.confidence = "Spam", `{"Spam":["Bulk"]}`, `{"Spam":"Normal"}`
		v.emailAction, v.pol = "Move message to junk mail folder", polBulk
	}
}
