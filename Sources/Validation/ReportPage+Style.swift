/// The page's only stylesheet, inline: system fonts, a 1240 px column, charts scaled to their
/// boxes, fewer columns on narrow screens (wide tables scroll sideways below 700 px), long
/// names wrapped, and print rules (colours kept, no page break inside a chart or a table row).
extension ReportPage {
  static let style = """
    :root{--syn:#1f5fa8;--real:#d4560b;--ok:#1a7f37;--bad:#b42318;--ink:#1d1d1f;--muted:#5b6270;\
    --line:#d9dce1;--soft:#f4f6f8}
    *{box-sizing:border-box}
    html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
    body{margin:0;background:#fff;color:var(--ink);font:14px/1.45 system-ui,-apple-system,\
    "Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","Liberation Sans",sans-serif}
    main{max-width:1240px;margin:0 auto;padding:20px 24px 40px}
    h1{font-size:26px;margin:0 0 4px}
    h1 .sub{font-weight:400;color:var(--muted)}
    h2{font-size:21px;margin:34px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--ink)}
    h3{font-size:17px;margin:26px 0 8px;padding-bottom:3px;border-bottom:1px solid var(--line)}
    .top{display:grid;grid-template-columns:330px 1fr 1fr;gap:18px;margin:14px 0}
    .scorebox{border:2px solid var(--ink);border-radius:8px;padding:12px 16px;\
    background:var(--soft)}
    .scorebox .big{font-size:34px;font-weight:700;line-height:1.1}
    .scorebox .what{font-size:15px;margin-top:4px}
    .scorebox .small,.note{color:var(--muted);font-size:12.5px}
    dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0;\
    align-content:start}
    dl.kv dt{color:var(--muted)}
    dl.kv dd{margin:0;overflow-wrap:anywhere}
    .kvhead{font-weight:700;margin-bottom:2px}
    .top p.note{margin:0}
    p.lead{margin:6px 0;max-width:1100px}
    nav{margin:14px 0;padding:8px 12px;background:var(--soft);border-radius:6px;font-size:13px}
    nav a{color:var(--syn);text-decoration:none;margin-right:14px}
    table{border-collapse:collapse;font-size:13px}
    th,td{padding:3px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
    thead th{border-bottom:2px solid var(--ink);white-space:nowrap}
    td.num,.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
    tr.group th{background:var(--soft);font-weight:600;padding-top:6px}
    caption{text-align:left;font-weight:700;padding:4px 0}
    .verdict{white-space:nowrap;font-weight:600}
    .verdict.ok{color:var(--ok)}
    .verdict.bad{color:var(--bad);background:#fdecea}
    .verdict.none{color:var(--muted);font-weight:400}
    .gauge{position:relative;display:inline-block;width:64px;height:10px;margin-left:6px;\
    background:#eceef1;vertical-align:-1px}
    .gzone{position:absolute;left:5%;width:90%;top:0;bottom:0;background:#c9dbf0}
    .gmark{position:absolute;top:-3px;bottom:-3px;width:3px;margin-left:-1.5px;\
    background:var(--ink)}
    .factsgrid{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,1fr);gap:24px;\
    align-items:start}
    table.facts{width:100%}
    table.facts.single{width:auto;min-width:60%}
    table.facts.narrow{width:auto;min-width:75%}
    table.dist{width:100%}
    table.dist th{white-space:normal}
    table.dist th,table.dist td{padding:3px 5px}
    .fig{margin:10px 0;break-inside:avoid;page-break-inside:avoid}
    .ftitle{font-weight:600;font-size:14px;margin-bottom:2px}
    figcaption{font-size:12.5px;color:var(--muted);margin-top:2px}
    .grid3{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:18px}
    svg.chart{display:block;width:100%;height:auto}
    svg.heat{max-width:100%}
    svg text{font-size:11px;fill:var(--ink)}
    svg .title{font-size:12px;font-weight:600}
    svg .note{font-size:10.5px;fill:var(--muted)}
    svg .nodata{font-size:14px;fill:var(--muted)}
    svg .cell{fill:var(--ink)}
    svg .cell.light{fill:#fff}
    svg .frame{fill:none;stroke:#888;stroke-width:1}
    .grid path{stroke:#eceef1;stroke-width:1}
    .axis path{stroke:#555;stroke-width:1;fill:none}
    .band90{fill:#1f5fa8;fill-opacity:.16;stroke:none}
    .band50{fill:#1f5fa8;fill-opacity:.32;stroke:none}
    .med{fill:none;stroke:var(--syn);stroke-width:2}
    .medd{fill:none;stroke:var(--syn);stroke-width:1.6;stroke-dasharray:5 3}
    .real{fill:none;stroke:var(--real);stroke-width:1.6;stroke-linejoin:round}
    .norm{fill:none;stroke:#333;stroke-width:1.3;stroke-dasharray:4 3}
    .zero{fill:none;stroke:#888;stroke-width:1}
    .mark{fill:none;stroke:#666;stroke-width:1;stroke-dasharray:2 3}
    .medmark{fill:none;stroke:var(--syn);stroke-width:1.6;stroke-dasharray:5 3}
    .realmark{fill:none;stroke:var(--real);stroke-width:2.2}
    .barsyn{fill:#1f5fa8;fill-opacity:.38;stroke:#1f5fa8;stroke-opacity:.55;stroke-width:.5}
    .dotsyn{fill:none;stroke:var(--syn);stroke-width:6.5;stroke-linecap:round;stroke-opacity:.45}
    .dotreal{fill:none;stroke:var(--real);stroke-width:3.6;stroke-linecap:round}
    table.risk{margin:8px 0 18px;width:100%}
    table.risk{table-layout:fixed}
    table.risk thead th{white-space:normal}
    table.risk th:first-child{width:13%}
    table.risk th:nth-child(2){width:7%}
    td.barcell{min-width:130px}
    .barline{display:flex;align-items:center;gap:6px}
    .bar{flex:1;height:9px;background:#eceef1}
    .barline .num{min-width:44px}
    .bar span{display:block;height:9px;background:var(--syn)}
    .diff{display:block;text-align:right;font-size:11.5px;font-variant-numeric:tabular-nums}
    .diff.up{color:var(--bad)}
    .diff.down{color:var(--ok)}
    .diff.same{color:var(--muted)}
    details.variant{margin:18px 0;border:1px solid var(--line);border-radius:6px;padding:4px 14px}
    details.variant>summary{cursor:pointer;font-size:19px;font-weight:700;padding:6px 0}
    footer{margin-top:36px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);\
    padding-top:8px}
    h1,h2,h3,summary,caption,.scorebox,.ftitle,nav{overflow-wrap:anywhere}
    @media (max-width:1100px){
    .top{grid-template-columns:minmax(0,1fr) minmax(0,1fr)}
    .top>.scorebox{grid-column:1/-1}
    .grid3{grid-template-columns:repeat(2,minmax(0,1fr))}
    .factsgrid{grid-template-columns:minmax(0,1fr)}
    }
    @media (max-width:700px){
    main{padding:12px 10px 30px}
    .top{grid-template-columns:minmax(0,1fr)}
    .grid3{grid-template-columns:minmax(0,1fr)}
    table{display:block;overflow-x:auto;max-width:100%}
    table.risk{table-layout:auto}
    }
    @media print{
    body{font-size:11px}
    main{max-width:none;padding:0}
    nav{display:none}
    .top{grid-template-columns:1fr 1fr 1fr}
    .scorebox .big{font-size:26px}
    h2{font-size:18px}
    .grid3{grid-template-columns:repeat(2,minmax(0,1fr))}
    .factsgrid{grid-template-columns:1fr}
    details.variant{border:none;padding:0}
    details.variant::details-content{content-visibility:visible}
    details.variant>summary{list-style:none}
    tr,.fig,table.dist,.top{break-inside:avoid;page-break-inside:avoid}
    h2,h3,.ftitle{break-after:avoid;page-break-after:avoid}
    }
    """
}
