# Chinese text is twice as wide as the line limit counts it: the tables run long.
# ruff: noqa: E501
"""What the demo's callers say, and what staff write back: small tables per shipped pack.

Data, not code: one `Case` per plausible matter of each pack's domain (kind, category, subject,
description, and the facts that make the pack's rules fire — an amount, a crowd, a channel).
A pack without a table here gets plain cases made from its own categories (`cases_for`).
Placeholders in braces are filled from `FILLS` so that repeats do not read alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Case:
    kind: str
    category: str | None
    subject: str
    description: str
    weight: float = 1.0
    channel: str | None = None  # when the matter only arrives one way (a visit, a letter)
    people_count: int = 1
    economic_loss: Decimal | None = None
    customer_type: str | None = None  # None: an individual (or a company where that fits)


@dataclass(frozen=True)
class PackTexts:
    cases: list[Case]
    kinds: dict[str, float] = field(default_factory=dict)  # share of each kind
    channels: dict[str, float] = field(default_factory=dict)  # share of each channel
    # Where a matter goes when the department the rules chose has nobody to work on it in
    # the demo (the supervisor transfers it there): a department with demo staff.
    fallback: str | None = None
    companies: bool = False  # callers are often companies (tax)


C = Case
D = Decimal

TAX_12366 = PackTexts(
    kinds={
        "consultation": 0.56,
        "complaint": 0.12,
        "report": 0.1,
        "suggestion": 0.12,
        "praise": 0.1,
    },
    channels={"phone": 0.8, "web": 0.2},
    fallback="tax-service",
    companies=True,
    cases=[
        C(
            "consultation",
            "invoice",
            "增值税专用发票开错税率如何开具红字发票",
            "纳税人来电:本月开具的一张增值税专用发票税率填写错误,购买方已勾选确认,询问如何开具红字发票。",
        ),
        C(
            "consultation",
            "invoice",
            "数电发票开票额度不够用如何调整",
            "纳税人反映近期业务量增加,数电发票开票额度不足,询问申请调整额度的条件和流程。",
        ),
        C(
            "consultation",
            "invoice",
            "丢失已开具的纸质发票如何处理",
            "纳税人丢失一份已开具的增值税普通发票记账联,询问是否需要登报声明及后续处理办法。",
        ),
        C(
            "consultation",
            "declaration",
            "小规模纳税人季度申报逾期如何补报",
            "纳税人因财务人员离职,上季度增值税未按期申报,询问补报流程及是否会被罚款。",
        ),
        C(
            "consultation",
            "declaration",
            "财产和行为税合并申报提示数据不一致",
            "纳税人在电子税务局申报房产税、城镇土地使用税时系统提示数据不一致,无法提交。",
        ),
        C(
            "consultation",
            "registration",
            "跨区域涉税事项报告如何办理",
            "建筑企业承接外省工程项目,询问跨区域涉税事项报告的办理渠道和时限。",
        ),
        C(
            "consultation",
            "registration",
            "个体工商户注销需要准备哪些资料",
            "个体户经营者准备停业,询问税务注销的条件、资料和简易注销是否适用。",
        ),
        C(
            "consultation",
            "income",
            "个人所得税汇算退税一直显示审核中",
            "纳税人3月份提交综合所得汇算清缴退税申请,至今显示“税务机关审核中”,询问原因。",
        ),
        C(
            "consultation",
            "income",
            "研发费用加计扣除归集范围咨询",
            "科技型中小企业财务人员询问委托外部研发的费用能否加计扣除、如何归集。",
        ),
        C(
            "consultation",
            "preferential",
            "小微企业增值税减免政策适用条件",
            "纳税人询问月销售额10万元以下免征增值税政策是否适用于开具专用发票的部分。",
        ),
        C(
            "consultation",
            "preferential",
            "安置残疾人就业能否享受税收优惠",
            "福利企业询问安置残疾人就业的增值税即征即退和企业所得税加计扣除如何办理。",
        ),
        C(
            "consultation",
            "tax-consultation",
            "新办企业首次申报流程咨询",
            "新设立公司的财务人员询问首次申报需要先做哪些事项,以及各税种的申报期限。",
        ),
        C(
            "report",
            "false-invoice",
            "举报某商贸公司虚开增值税专用发票",
            "举报人反映{company}无真实货物交易,通过关联企业大量对外开具增值税专用发票,并提供了部分发票号码。",
        ),
        C(
            "report",
            "tax-evasion",
            "举报某餐饮店收入不入账",
            "举报人反映{place}附近一家餐饮店长期通过个人收款码收取营业款,不开发票、不入账。",
        ),
        C(
            "report",
            "tax-evasion",
            "举报某装修公司以个人账户隐匿收入",
            "举报人称{company}承接装修工程时要求业主将款项转入老板个人账户,以少报收入。",
        ),
        C(
            "report",
            "integrity-report",
            "举报税务人员在检查中吃拿卡要",
            "举报人反映某税务检查人员在检查期间多次暗示企业请客吃饭。",
            weight=0.4,
        ),
        C(
            "complaint",
            "service-complaint",
            "12366热线长时间无法接通",
            "纳税人反映申报期最后几天连续拨打12366热线,等待十多分钟仍无人接听。",
        ),
        C(
            "complaint",
            "service-complaint",
            "座席前后答复不一致",
            "纳税人反映就同一问题两次来电,两名座席人员给出的答复不同,导致重复跑腿。",
        ),
        C(
            "complaint",
            "service-complaint",
            "座席人员解答时语气不耐烦",
            "纳税人反映咨询汇算清缴问题时,座席人员多次打断其说话,语气生硬。",
        ),
        C(
            "suggestion",
            "suggestion",
            "建议电子税务局增加申报截止提醒",
            "纳税人建议电子税务局在申报期截止前三天通过短信提醒尚未申报的纳税人。",
        ),
        C(
            "suggestion",
            "suggestion",
            "建议办税服务厅延长午间服务时间",
            "纳税人建议办税服务厅在申报高峰期实行午间不间断服务,方便上班族办税。",
        ),
        C(
            "praise",
            None,
            "表扬12366座席耐心解答汇算问题",
            "纳税人来电表扬座席人员耐心细致地指导其完成个人所得税汇算申报。",
        ),
        C(
            "praise",
            "tax-consultation",
            "感谢纳税服务科上门辅导",
            "企业来电感谢纳税服务科工作人员上门辅导新政策,解决了申报难题。",
            weight=0.5,
        ),
    ],
)

POWER_95598 = PackTexts(
    kinds={
        "complaint": 0.3,
        "consultation": 0.25,
        "help": 0.22,
        "report": 0.05,
        "suggestion": 0.08,
        "praise": 0.1,
    },
    channels={"phone": 0.75, "web": 0.1, "letter": 0.05, "visit": 0.1},
    fallback="station-city",
    cases=[
        C(
            "complaint",
            "outage",
            "小区一周内多次停电且未提前通知",
            "客户反映{place}近一周内停电三次,每次一至两小时,事先未收到任何停电通知。",
            weight=2,
        ),
        C(
            "complaint",
            "voltage",
            "家中电压偏低空调无法启动",
            "客户反映{place}晚间用电高峰时电压明显偏低,空调、热水器无法正常启动。",
        ),
        C(
            "complaint",
            "billing",
            "本月电费比往月高出一倍",
            "客户反映家中用电习惯未变,本月电费却比往月高出一倍,怀疑抄表有误。",
        ),
        C(
            "complaint",
            "metering",
            "电能表走字过快怀疑计量不准",
            "客户反映家中无人居住期间电能表仍在走字,要求校验电能表。",
        ),
        C(
            "complaint",
            "connection",
            "新装表申请超过承诺时限仍未接电",
            "客户反映商铺新装表申请已提交两周,超过承诺时限仍未安排接电,影响开业。",
        ),
        C(
            "complaint",
            "service-attitude",
            "营业厅工作人员态度冷淡",
            "客户反映在营业厅办理过户业务时,工作人员态度冷淡,未一次性告知所需资料。",
        ),
        C(
            "report",
            "staff-conduct",
            "举报抄表人员私自收取费用",
            "举报人反映抄表人员以“加急接电”为由向其收取现金且未开具任何票据。",
        ),
        C(
            "consultation",
            "billing",
            "阶梯电价如何计算",
            "客户询问居民阶梯电价的档位划分和年度结算方式。",
            weight=2,
        ),
        C(
            "consultation",
            "billing",
            "如何办理电费银行代扣",
            "客户询问办理电费银行代扣需要携带的资料和办理渠道。",
        ),
        C(
            "consultation",
            "connection",
            "新建住宅报装需要哪些资料",
            "客户自建住宅即将完工,询问报装用电需要准备的资料和办理流程。",
        ),
        C(
            "help",
            "outage",
            "家中突然停电请求抢修",
            "客户来电:{place}家中突然停电,邻居家有电,请求派人抢修。",
            weight=3,
        ),
        C(
            "help",
            "outage",
            "路边电线断线冒烟请求紧急处理",
            "客户来电称{place}路边一根电线断线落地并冒烟,担心有人触电,请求紧急处理。",
        ),
        C(
            "help",
            "voltage",
            "小区路灯线路跳闸请求检修",
            "物业来电反映{place}小区公共照明线路频繁跳闸,请求派人检修。",
        ),
        C(
            "suggestion",
            None,
            "建议计划停电提前通过短信告知",
            "客户建议计划检修停电时提前三天通过短信通知受影响的用户。",
        ),
        C(
            "praise",
            "outage",
            "感谢抢修人员冒雨连夜恢复供电",
            "客户来电感谢抢修人员冒雨连夜抢修,仅用两个小时就恢复了供电。",
        ),
    ],
)

ROAD_RESCUE = PackTexts(
    kinds={"help": 0.32, "complaint": 0.32, "consultation": 0.2, "suggestion": 0.06, "praise": 0.1},
    channels={"phone": 0.8, "web": 0.08, "visit": 0.06, "on_site": 0.06},
    fallback="tow-team",
    cases=[
        C(
            "complaint",
            "arrival-time",
            "拖车超过承诺时间一小时才到",
            "客户反映车辆在{road}抛锚,客服承诺40分钟内到达,实际等待近两小时。",
            weight=2,
        ),
        C(
            "complaint",
            "towing-fee",
            "拖车费与电话报价不符",
            "客户反映电话报价拖车费300元,到场后被要求支付650元,且未说明收费依据。",
            economic_loss=D("350"),
        ),
        C(
            "complaint",
            "towing-fee",
            "清障后被额外收取吊装费",
            "客户反映事故车辆清障后被额外收取吊装费,事先未告知。",
            economic_loss=D("400"),
        ),
        C(
            "complaint",
            "vehicle-damage",
            "拖运途中车辆保险杠被刮坏",
            "客户反映车辆拖运到维修厂后发现前保险杠有新的刮痕,要求救援公司赔偿。",
            economic_loss=D("1200"),
        ),
        C(
            "complaint",
            "road-clearance",
            "事故现场清障不彻底留有碎片",
            "客户反映{road}事故清障后路面仍留有大量玻璃碎片,存在安全隐患。",
        ),
        C(
            "complaint",
            "staff-conduct",
            "救援司机言语粗鲁",
            "客户反映救援司机在现场言语粗鲁,催促其签字付款。",
        ),
        C(
            "complaint",
            "staff-conduct",
            "救援人员态度恶劣,客户称要向电视台报料",
            "客户情绪激动,称救援人员态度恶劣、拖延作业,扬言要向电视台报料。",
            weight=0.4,
        ),
        C(
            "consultation",
            "towing-fee",
            "拖车收费标准咨询",
            "客户询问市区内和高速公路上拖车救援的收费标准。",
            weight=2,
        ),
        C(
            "consultation",
            "rescue-service",
            "非事故故障车能否提供救援",
            "客户询问车辆电瓶亏电无法启动,是否提供搭电救援服务。",
        ),
        C(
            "help",
            "rescue-service",
            "车辆在隧道内抛锚请求救援",
            "客户来电:车辆在{road}隧道内突然熄火,已打开双闪,请求尽快救援。",
            weight=3,
        ),
        C(
            "help",
            "arrival-time",
            "查询救援车辆到达时间",
            "客户已报救援半小时,车辆仍未到达,请求告知救援车辆位置和预计到达时间。",
        ),
        C(
            "help",
            "road-clearance",
            "道路散落货物请求清理",
            "客户来电反映{road}有货车散落纸箱,影响通行,请求派人清理。",
        ),
        C(
            "suggestion",
            "other",
            "建议开通救援车辆实时位置查询",
            "客户建议在微信公众号上提供救援车辆实时位置查询,减少等待焦虑。",
        ),
        C(
            "praise",
            "rescue-service",
            "感谢救援队深夜快速处置事故车辆",
            "客户来电感谢救援队深夜20分钟到达现场,处置专业、收费透明。",
        ),
    ],
)

LETTERS_AND_VISITS = PackTexts(
    kinds={
        "complaint": 0.34,
        "help": 0.18,
        "consultation": 0.22,
        "report": 0.08,
        "suggestion": 0.1,
        "praise": 0.08,
    },
    channels={"letter": 0.4, "visit": 0.35, "phone": 0.15, "web": 0.1},
    fallback="township",
    cases=[
        C(
            "consultation",
            "rural-policy",
            "土地承包经营权确权登记政策咨询",
            "来访人询问家中承包地确权登记面积与实际不符时如何申请更正。",
        ),
        C(
            "consultation",
            "labour-policy",
            "灵活就业人员社保缴费政策咨询",
            "来信人询问灵活就业人员缴纳养老保险的档次选择和补缴规定。",
        ),
        C(
            "consultation",
            "tax-policy",
            "农村自建房是否需要缴纳契税",
            "来电人询问在宅基地上翻建自住房屋是否需要缴纳契税。",
        ),
        C(
            "consultation",
            "policy-consultation",
            "低保申请条件咨询",
            "来访人询问家中老人患病后能否申请最低生活保障,需要哪些材料。",
        ),
        C(
            "complaint",
            "cadre-conduct",
            "村干部办事推诿",
            "来信人反映多次到村委会开具证明,村干部以各种理由推诿,至今未办。",
            weight=2,
        ),
        C(
            "complaint",
            "openness",
            "村务财务长期未公开",
            "来信人反映{village}近两年村务、财务未按规定公开,村民无从了解集体收支。",
        ),
        C(
            "complaint",
            "policy-violation",
            "耕地地力保护补贴未按时发放",
            "来访人反映今年的耕地地力保护补贴至今未发放到户,其他村已发放。",
        ),
        C(
            "complaint",
            "handling-complaint",
            "对上次信访事项处理结果有异议",
            "来信人对此前反映宅基地纠纷的处理意见不认可,要求重新调查。",
        ),
        C(
            "complaint",
            "openness",
            "多名村民反映征地补偿款未到位",
            "{village}五名村民集体来访,反映道路建设征地补偿款至今未发放到位。",
            channel="visit",
            people_count=5,
            weight=0.6,
        ),
        C(
            "report",
            "openness",
            "举报村委会虚报低保名单",
            "举报人反映{village}村委会将不符合条件的亲属列入低保名单。",
        ),
        C(
            "help",
            "policy-violation",
            "请求帮助落实危房改造补助",
            "来访人反映家中房屋被鉴定为危房,申请改造补助半年未有答复,请求帮助。",
        ),
        C(
            "help",
            "cadre-conduct",
            "请求协调解决邻里宅基地纠纷",
            "来电人反映与邻居因宅基地界址发生纠纷,村里调解未果,请求镇里协调。",
        ),
        C(
            "suggestion",
            "other",
            "建议在村里设立便民服务代办点",
            "来信人建议在偏远村设立便民服务代办点,方便老人办理社保认证等事项。",
        ),
        C(
            "praise",
            "other",
            "感谢镇政府帮助解决饮水难问题",
            "来信人代表村民感谢镇政府协调修通自来水管道,解决了多年的饮水难。",
        ),
    ],
)

CAR_DEALER = PackTexts(
    kinds={
        "complaint": 0.45,
        "consultation": 0.22,
        "help": 0.12,
        "suggestion": 0.1,
        "praise": 0.11,
    },
    channels={"phone": 0.35, "on_site": 0.2, "visit": 0.2, "web": 0.1, "app": 0.15},
    fallback="service-advisors",
    cases=[
        C(
            "complaint",
            "maintenance",
            "保养后发动机出现异响",
            "客户反映{car}在店内做完保养后,冷启动时发动机有明显异响。",
            weight=2,
        ),
        C(
            "complaint",
            "maintenance",
            "维修后故障依旧,要求退款",
            "客户反映{car}变速箱顿挫问题维修两次仍未解决,要求退还维修费用。",
        ),
        C(
            "complaint",
            "reception",
            "休息区等候时间过长无人告知进度",
            "客户反映送车保养等候三个多小时,期间无人告知维修进度。",
        ),
        C(
            "complaint",
            "sales-service",
            "提车时发现漆面划痕",
            "客户反映提车当天发现左后门漆面有划痕,要求给出处理方案。",
        ),
        C(
            "complaint",
            "sales-service",
            "销售顾问承诺的赠品未兑现",
            "客户反映购车时销售顾问承诺赠送的脚垫和行车记录仪至今未兑现。",
        ),
        C(
            "complaint",
            "pricing",
            "保养收费高于公示价目表",
            "客户反映本次常规保养收费比店内公示的价目表高出三百多元。",
        ),
        C(
            "complaint",
            "staff-attitude",
            "服务顾问态度敷衍",
            "客户反映服务顾问对其提出的问题敷衍了事,多次催问才有回复。",
        ),
        C(
            "complaint",
            "staff-attitude",
            "多次维修未果,客户称要投诉到12315并找媒体曝光",
            "客户情绪激动,称车辆同一故障三次进店未修好,要投诉到12315并找媒体曝光。",
            weight=0.4,
        ),
        C(
            "consultation",
            "maintenance",
            "首保里程和项目咨询",
            "客户询问新车首次保养的里程要求、项目和是否免费。",
            weight=2,
        ),
        C(
            "consultation",
            "sales-service",
            "旧车置换补贴政策咨询",
            "客户询问本月旧车置换新车的补贴标准和所需手续。",
        ),
        C(
            "help",
            "after-sales-service",
            "车辆无法启动请求上门救援",
            "客户来电称{car}停在小区车库无法启动,请求派人上门检查。",
        ),
        C(
            "suggestion",
            "reception",
            "建议增加线上预约保养时段",
            "客户建议在App上开放周末的保养预约时段,减少到店排队。",
        ),
        C(
            "praise",
            "sales-service",
            "表扬销售顾问交车讲解细致",
            "客户来电表扬销售顾问交车时讲解细致,主动演示各项功能。",
        ),
    ],
)

FINANCE_TAX_FIRM = PackTexts(
    kinds={"consultation": 0.42, "help": 0.2, "complaint": 0.2, "suggestion": 0.08, "praise": 0.1},
    channels={"phone": 0.5, "web": 0.2, "app": 0.15, "email": 0.15},
    fallback="tax-dept",
    companies=True,
    cases=[
        C(
            "consultation",
            "tax-declaration",
            "季度企业所得税预缴申报时间",
            "客户询问本季度企业所得税预缴申报的截止日期和需要提供的资料。",
            weight=2,
        ),
        C(
            "consultation",
            "tax-policy",
            "小型微利企业所得税优惠政策解读",
            "客户询问公司是否符合小型微利企业条件,以及优惠如何在预缴时享受。",
        ),
        C(
            "consultation",
            "bookkeeping",
            "代理记账原始凭证交接方式",
            "客户询问每月原始凭证的交接时间、方式,以及电子发票是否需要打印。",
        ),
        C(
            "help",
            "tax-registration",
            "协助办理税务登记信息变更",
            "客户公司变更了注册地址,请求协助办理税务登记信息变更。",
        ),
        C(
            "help",
            "invoice-application",
            "电子发票额度不足请求协助申请",
            "客户本月开票量大,电子发票额度不足,请求协助申请临时调整。",
        ),
        C(
            "complaint",
            "tax-declaration",
            "代理申报逾期导致被罚款",
            "客户反映公司上月增值税被逾期申报,收到税务机关罚款通知,要求公司承担责任。",
            economic_loss=D("500"),
        ),
        C(
            "complaint",
            "bookkeeping",
            "财务报表多次出现错误",
            "客户反映近两个月的财务报表均出现科目错误,影响向银行提交贷款资料。",
        ),
        C(
            "complaint",
            "dispute",
            "对服务费结算有争议,客户称将起诉",
            "客户认为年度服务费结算与合同约定不符,多次沟通未果,称将向法院起诉。",
            weight=0.4,
        ),
        C(
            "complaint",
            "service-feedback",
            "客服电话多次无人接听",
            "客户反映工作日下午多次拨打客服电话无人接听,留言也未回复。",
        ),
        C(
            "suggestion",
            "service-feedback",
            "建议App支持票据拍照上传",
            "客户建议App增加票据拍照上传功能,省去每月寄送原始凭证。",
            channel="app",
        ),
        C(
            "praise",
            "tax",
            "感谢税务部及时提醒申报期限",
            "客户来电感谢税务部专员提前提醒申报期限,避免了逾期。",
        ),
    ],
)

TAX_SERVICE_OUTSOURCING = PackTexts(
    kinds={"complaint": 0.6, "consultation": 0.18, "suggestion": 0.1, "praise": 0.12},
    channels={
        "on_site": 0.25,
        "visit": 0.15,
        "phone": 0.35,
        "web": 0.1,
        "letter": 0.05,
        "email": 0.1,
    },
    fallback="tax-hall",
    cases=[
        C(
            "complaint",
            "attitude",
            "窗口人员态度生硬",
            "纳税人反映在{window}办理业务时,工作人员态度生硬,不愿解释退件原因。",
            weight=2,
        ),
        C(
            "complaint",
            "attitude",
            "导税员不耐烦,纳税人情绪激烈",
            "纳税人反映导税员多次不耐烦地打断其询问,纳税人情绪激烈,要求道歉。",
        ),
        C(
            "complaint",
            "business-handling",
            "办理业务被要求重复提交资料",
            "纳税人反映同一业务被要求反复补交资料,往返三次仍未办结,产生交通和误工费用。",
            economic_loss=D("350"),
        ),
        C(
            "complaint",
            "business-handling",
            "窗口办理错误导致产生滞纳金",
            "纳税人反映窗口人员录入错误导致税款未按期缴纳,被加收滞纳金,要求赔偿。",
            economic_loss=D("6200"),
            weight=0.5,
        ),
        C(
            "complaint",
            "publicity",
            "导税员政策解释错误",
            "纳税人反映导税员对个人所得税专项附加扣除的解释有误,导致其申报错误。",
        ),
        C(
            "complaint",
            "site-management",
            "大厅叫号系统混乱等候时间长",
            "纳税人反映大厅叫号系统多次跳号,排队等候近两个小时。",
        ),
        C(
            "complaint",
            "staff-management",
            "派遣员工工作时间玩手机",
            "纳税人反映办税窗口工作人员在办理业务间隙长时间玩手机,让其等候。",
        ),
        C(
            "complaint",
            "dispute",
            "纳税人与工作人员在窗口发生争执",
            "纳税人与窗口工作人员因材料是否齐全发生争执,现场有其他纳税人围观。",
            channel="on_site",
        ),
        C(
            "complaint",
            "attitude",
            "多名纳税人集体投诉VIP厅服务",
            "三名企业办税人员集体反映VIP厅工作人员以未预约为由拒绝办理业务。",
            people_count=3,
            weight=0.4,
        ),
        C(
            "consultation",
            "publicity",
            "社保费缴纳渠道咨询",
            "纳税人询问灵活就业人员社保费可以通过哪些渠道缴纳。",
            weight=2,
        ),
        C(
            "consultation",
            "business-handling",
            "办理业务需要预约吗",
            "纳税人询问办税服务厅办理发票领用是否需要提前预约。",
        ),
        C(
            "suggestion",
            "site-management",
            "建议增设自助办税终端",
            "纳税人建议在大厅增设自助办税终端,缓解申报期窗口压力。",
        ),
        C(
            "praise",
            "business-handling",
            "表扬VIP厅工作人员热情周到",
            "纳税人来电表扬VIP厅工作人员热情周到,主动帮助整理申报资料。",
        ),
    ],
)

PACKS: dict[str, PackTexts] = {
    "tax-hotline-12366": TAX_12366,
    "power-95598": POWER_95598,
    "road-rescue": ROAD_RESCUE,
    "letters-and-visits": LETTERS_AND_VISITS,
    "car-dealer": CAR_DEALER,
    "finance-tax-firm": FINANCE_TAX_FIRM,
    "tax-service-outsourcing": TAX_SERVICE_OUTSOURCING,
}

KIND_NAMES = {
    "consultation": "咨询",
    "complaint": "投诉",
    "report": "举报",
    "suggestion": "建议",
    "help": "求助",
    "praise": "表扬",
}
# Shares of a city centre's ledger, for a pack without its own (as the benchmark uses).
KIND_SHARES = {"consultation": 0.5, "complaint": 0.2, "report": 0.06, "suggestion": 0.1,
               "help": 0.08, "praise": 0.06}  # fmt: skip
CHANNEL_SHARES = {"phone": 0.6, "web": 0.15, "app": 0.07, "email": 0.04, "letter": 0.05,
                  "visit": 0.06, "on_site": 0.03}  # fmt: skip


def generic_cases(kinds: list[str], categories: list[tuple[str, str]]) -> list[Case]:
    """Plain cases for a pack this module does not know: one per category and kind."""
    cases = []
    for kind in kinds:
        name = KIND_NAMES.get(kind, kind)
        for code, title in categories or [("", "")]:
            topic = title or "服务"
            cases.append(
                Case(
                    kind,
                    code or None,
                    f"关于{topic}的{name}",
                    f"客户来电反映{topic}方面的问题,请予{'解答' if kind == 'consultation' else '处理'}。",
                )
            )
    return cases


FILLS = {
    "place": ["幸福里小区", "滨江花园", "东风路", "建设路", "人民路", "新华街", "锦绣苑",
              "桃园新村", "城南工业园", "河西社区"],
    "road": ["绕城高速K23处", "城北隧道", "滨河大道", "机场高速", "G15沈海高速", "东环路高架"],
    "village": ["东庄村", "河湾村", "石桥村", "新民村", "柳树屯村"],
    "car": ["白色轿车", "黑色SUV", "灰色旅行车", "蓝色新能源轿车"],
    "window": ["3号窗口", "发票窗口", "综合窗口", "VIP厅"],
    "company": ["华兴商贸有限公司", "鑫源贸易有限公司", "恒通物资有限公司", "宏达建材经营部"],
}  # fmt: skip

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈"
GIVEN = ["建国", "秀英", "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳",
         "杰", "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "志强", "海燕", "晓东",
         "玉梅", "春生", "建华"]  # fmt: skip
COMPANIES = ["华兴商贸有限公司", "恒信建筑工程有限公司", "鑫源餐饮管理有限公司", "瑞丰科技有限公司",
             "宏达物流有限公司", "锦程文化传媒有限公司", "安泰医疗器械有限公司", "远航电子有限公司"]  # fmt: skip

# What staff write. One list per use; the demo picks from them with its seeded generator.
REPLIES = {
    "consultation": [
        "已按现行规定向您作出解答,并告知办理流程和所需资料,如有疑问可再次来电。",
        "经业务部门确认,已将政策依据和办理渠道告知您,并通过短信发送了资料清单。",
    ],
    "complaint": [
        "经调查核实,反映情况基本属实,已对相关人员批评教育并限期整改,向您致歉。",
        "经核实,相关问题已处理完毕,已电话告知处理结果并说明原因。",
        "经调查,反映情况与事实有出入,已向您解释有关规定,并改进了告知方式。",
    ],
    "report": [
        "已按程序调查核实,依法作出处理,处理结果已按规定反馈举报人。",
        "经核查,未发现所反映的问题,已按规定答复举报人。",
    ],
    "suggestion": ["感谢您的建议,已转相关部门研究,将在后续工作中改进。"],
    "help": ["已安排人员到场处理,问题已解决。", "已协调相关部门提供帮助,事项已办结。"],
    "praise": ["感谢您的肯定,已转达相关部门和人员。"],
}
SPOT_ANSWERS = [
    "座席当场解答,告知政策规定、办理流程和所需资料。",
    "已当场答复,并告知可通过网上渠道办理。",
]
CENTRE_ANSWERS = ["已核实情况,向客户说明原因并致歉,客户表示理解。"]
PROGRESS = [
    "已电话联系客户,了解具体情况。",
    "已调取相关记录,正在核实。",
    "已到现场查看,正在协调处理。",
    "已约客户面谈,沟通初步处理意见。",
]
PLANS = [
    "处理方案:一、核实事实经过;二、向客户当面说明情况并致歉;三、对相关人员批评教育;四、办结后回访。",
    "处理方案:一、调取记录逐项核对;二、确认责任后按规定给予补偿;三、制定整改措施并报备。",
]
PLAN_REJECTIONS = ["方案需补充整改措施和完成时限,请修改后重新报批。"]
PLAN_APPROVALS = ["同意按此方案办理。", "同意,办结后及时回访。"]
SUSPENSIONS = ["等待客户补充材料", "需第三方出具鉴定结论", "客户外出,约定返回后再处理"]
DECLINES = [
    "不属于本单位受理范围,已告知反映人向有权处理的机关反映",
    "反映人来电撤回诉求",
]
REVIEWS = ["阅批:请承办单位依法依规办理,按时答复。", "阅批:此事关系群众切身利益,请抓紧核实处理。"]
REMINDERS = ["请抓紧办理,注意办理时限。", "该件即将到期,请尽快回复办理进展。"]
SUPERVISIONS = ["该件已超期,请责任部门报告办理进展并说明原因。"]
EXTENSIONS = ["需补充调查取证,申请延长办理期限。", "涉及多个部门协调,申请延期办理。"]
EXTENSION_DECISIONS = ["同意延期,请在延长期限内办结。"]
VISIT_COMMENTS = {
    "satisfied": ["处理及时,满意。", "问题已解决,谢谢。"],
    "basically_satisfied": ["基本满意,希望以后更快一些。"],
    "dissatisfied": ["问题没有真正解决。", "对处理结果不认可。"],
}
VALIDITY_CAUSES = {
    "valid": ["工作人员未严格执行服务规范。", "内部流程衔接不畅。"],
    "invalid": ["客户对规定理解有误,已作解释。"],
}
CLOSE_NOTES = ["已回访,办结。", ""]
TYPICAL_COMMENTS = {
    "overdue": "超期办理的典型案例:责任部门已说明原因并整改。",
    "satisfied": "及时办结、群众满意的典型案例。",
}
CORRECTIVE_ACTIONS = (
    "一、对本月超期工单逐件分析原因,责任部门限期整改;"
    "二、加强业务培训,提高一次办结率;"
    "三、对不满意工单重新办理并跟踪回访。"
)
INSPECTION_COMMENTS = ["答复准确,服务规范。", "沟通较好,个别用语需改进。"]

# Values for the pack fields a kind requires (policy.fields), by field code; a field the demo
# has no values for is left out, and the registration says so in `history.refused`.
FIELD_VALUES = {
    "vehicle_location": [
        "G15沈海高速K1234+500北向",
        "G25长深高速K876+200南向",
        "S35国道与滨江路交叉口东侧",
        "绕城高速K45+300外环应急车道",
        "机场大道高架匝道口",
    ],
}
