import Mustache

/// The interface's mustache templates, compiled into the binary. Every `{{value}}` is
/// HTML-escaped (`WebHTMLContentType`); no template uses the unescaped forms, so nothing a client
/// pushed (names, tags, annotations) can become markup. Pages extend `layout`.
enum WebTemplates {
    /// The library of every template, parsed once.
    static func library() throws -> MustacheLibrary {
        MustacheContentTypes.register(WebHTMLContentType(), named: WebHTMLContentType.name)
        var library = MustacheLibrary()
        // Every template (partials and the layout too: the renderer resets the escaping for
        // each) starts by selecting the interface's escaping.
        for (name, text) in all { try library.register("{{% CONTENT_TYPE: \(WebHTMLContentType.name) }}" + text, named: name) }
        return library
    }

    static let all: [(String, String)] = [
        ("layout", layout), ("login", login), ("projects", projects), ("project", project), ("repository", repository),
        ("artifact", artifact), ("accessories", accessories), ("confirm", confirm), ("error", error), ("audit", audit),
        ("registry", registry), ("report", report), ("replication", replication), ("execution", execution),
    ]

    static let layout = """
    <!doctype html>
    <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="csrf-token" content="{{csrf}}">
    <title>{{$title}}{{/title}} · Berth</title>
    <link rel="stylesheet" href="/static/berth.css"><script src="/static/berth.js" defer></script></head>
    <body><header class="bar"><a class="brand" href="/projects">Berth</a>
    <nav><a href="/projects">Projects</a>{{#viewer.administers}}<a href="/registry">Registry</a><a href="/replication">Replication</a><a href="/audit">Audit log</a>{{/viewer.administers}}</nav>
    <div class="who">{{#viewer.signedIn}}<span id="signed-in-as">{{viewer.name}}</span><form class="inline" method="post" action="/logout"><input type="hidden" name="csrf" value="{{csrf}}"><button id="sign-out">Sign out</button></form>{{/viewer.signedIn}}{{^viewer.signedIn}}{{#viewer.canSignIn}}<a id="sign-in" href="/login">Sign in</a>{{/viewer.canSignIn}}{{/viewer.signedIn}}</div>
    </header><main>{{#flash}}<p class="flash" id="flash">{{flash}}</p>{{/flash}}{{$content}}{{/content}}</main></body></html>
    """

    static let login = """
    {{<layout}}{{$title}}Sign in{{/title}}{{$content}}
    <form class="login card" method="post" action="/login">
    <h1>Sign in</h1>
    {{#problem}}<p class="error" id="login-problem">{{problem}}</p>{{/problem}}
    <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="next" value="{{next}}">
    <label for="username">Account</label><input type="text" id="username" name="username" autocomplete="username" value="{{username}}" required>
    <label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>
    <p><button type="submit" id="sign-in-submit">Sign in</button></p>
    <p class="muted">Robot accounts sign in with the registry API only.</p>
    </form>{{/content}}{{/layout}}
    """

    static let projects = """
    {{<layout}}{{$title}}Projects{{/title}}{{$content}}
    <h1>Projects</h1>
    {{^projects}}<p class="muted">No project to show{{^viewer.signedIn}}{{#viewer.canSignIn}}: <a href="/login">sign in</a> to see private projects{{/viewer.canSignIn}}{{/viewer.signedIn}}.</p>{{/projects}}
    {{^empty(projects)}}<table class="responsive" id="projects"><thead><tr><th>Project</th><th>Access</th><th>Your role</th><th class="num">Repositories</th><th class="num">Storage</th></tr></thead><tbody>
    {{#projects}}<tr><td data-label="Project"><a href="{{href}}">{{name}}</a></td><td data-label="Access">{{access}}</td><td data-label="Role">{{role}}</td><td class="num" data-label="Repositories">{{repositories}}</td><td class="num" data-label="Storage">{{size}}</td></tr>
    {{/projects}}</tbody></table>{{/empty(projects)}}
    {{/content}}{{/layout}}
    """

    static let project = """
    {{<layout}}{{$title}}{{name}}{{/title}}{{$content}}
    <div class="crumbs"><a href="/projects">Projects</a> /</div>
    <h1 id="project-name">{{name}}</h1>
    <p class="muted">{{access}}{{#role}} · your role: {{role}}{{/role}}</p>
    <form class="filters" method="get" action="{{href}}"><input type="search" name="q" value="{{filter}}" placeholder="Filter repositories by name" aria-label="Filter repositories"><button>Filter</button></form>
    {{^repositories}}<p class="muted">No repository{{#filter}} matches “{{filter}}”{{/filter}}.</p>{{/repositories}}
    {{^empty(repositories)}}<table class="responsive" id="repositories"><thead><tr><th>Repository</th><th class="num">Artifacts</th><th>Last push</th><th class="num">Size</th></tr></thead><tbody>
    {{#repositories}}<tr><td data-label="Repository"><a href="{{href}}">{{name}}</a></td><td class="num" data-label="Artifacts" title="and {{accessories}} accessories">{{artifacts}}</td><td data-label="Last push">{{#lastPush}}<time datetime="{{iso}}">{{text}}</time>{{/lastPush}}</td><td class="num" data-label="Size">{{size}}</td></tr>
    {{/repositories}}</tbody></table>{{/empty(repositories)}}
    <div class="pager">{{#next}}<a id="next-page" href="{{next}}">Next page →</a>{{/next}}</div>
    <h2>Rules that apply here</h2>
    {{^rules}}<p class="muted" id="no-rules">No immutability, signed-only or retention rule matches this project.</p>{{/rules}}
    {{^empty(rules)}}<table id="rules"><thead><tr><th>Rule</th><th>Repositories</th><th>What it does</th></tr></thead><tbody>
    {{#rules}}<tr><td>{{kind}}</td><td><code>{{pattern}}</code></td><td>{{effect}}</td></tr>{{/rules}}
    </tbody></table>{{/empty(rules)}}
    {{/content}}{{/layout}}
    """

    static let repository = """
    {{<layout}}{{$title}}{{name}}{{/title}}{{$content}}
    <div class="crumbs"><a href="/projects">Projects</a> / <a href="{{projectHref}}">{{project}}</a> /</div>
    <h1 id="repository-name">{{name}}</h1>
    <form class="filters" method="get" action="{{href}}"><input type="search" name="tag" value="{{filter}}" placeholder="Filter by tag" aria-label="Filter by tag"><button>Filter</button></form>
    {{^artifacts}}<p class="muted">No artifact{{#filter}} has a tag starting with “{{filter}}”{{/filter}}.</p>{{/artifacts}}
    {{^empty(artifacts)}}<table class="responsive" id="artifacts"><thead><tr><th></th><th>Artifact</th><th>Tags</th><th>Kind</th><th class="num">Size</th><th>Pushed</th><th>Signed</th><th class="num">Accessories</th><th></th></tr></thead><tbody>
    {{#artifacts}}<tr class="artifact" data-digest="{{digest}}">
    <td><a class="expand" href="{{href}}#accessories" aria-expanded="false" title="Accessories">&gt;</a></td>
    <td data-label="Artifact"><a class="digest" href="{{href}}">{{short}}</a> <button type="button" class="copy" data-copy="{{digest}}">copy</button></td>
    <td data-label="Tags">{{#tags}}<span class="tag">{{name}}{{#mayDelete}} <a href="{{deleteAction}}" data-confirm="Delete the tag {{name}}? The artifact stays." title="Delete tag" class="tag-delete">×</a>{{/mayDelete}}</span>{{/tags}}</td>
    <td data-label="Kind">{{kind}}{{#isIndex}}<br>{{#platforms}}<span class="platform muted">{{name}} <span class="{{signatureClass}}" title="{{signatureTitle}}">{{signatureMark}}</span></span>{{/platforms}}{{/isIndex}}</td>
    <td class="num" data-label="Size">{{size}}</td>
    <td data-label="Pushed"><time datetime="{{pushedISO}}">{{pushedText}}</time></td>
    <td data-label="Signed" class="signature-state"><span class="{{signatureClass}}" title="{{signatureTitle}}">{{signatureMark}}</span></td>
    <td class="num" data-label="Accessories">{{accessories}}</td>
    <td>{{#mayDelete}}<details class="menu"><summary aria-label="Actions">⋮</summary><div><a href="{{deleteAction}}" data-confirm="{{deleteConfirm}}" class="artifact-delete">Delete artifact</a></div></details>{{/mayDelete}}</td>
    </tr>
    {{/artifacts}}</tbody></table>{{/empty(artifacts)}}
    <div class="pager">{{#first}}<a href="{{first}}">← First page</a>{{/first}}{{#next}}<a id="next-page" href="{{next}}">Next page →</a>{{/next}}</div>
    <div class="card pull">Pull: <code id="pull-command">{{pull}}</code><button type="button" class="copy" data-copy="{{pull}}">copy</button></div>
    {{/content}}{{/layout}}
    """

    static let artifact = """
    {{<layout}}{{$title}}{{name}}@{{short}}{{/title}}{{$content}}
    <div class="crumbs"><a href="/projects">Projects</a> / <a href="{{projectHref}}">{{project}}</a> / <a href="{{repositoryHref}}">{{name}}</a> /</div>
    <h1 class="digest" id="artifact-digest">{{digest}}</h1>
    <div class="card">
    <p>Signed: <span id="artifact-signed">{{#signed}}<span class="signed">✓ signed</span>{{/signed}}{{^signed}}<span class="unsigned">✗ not signed</span>{{/signed}}</span>{{#verified}} · <span class="verified">verified against a trusted key</span>{{/verified}}</p>
    <p>Kind: {{kind}} · {{size}} · media type <code>{{mediaType}}</code>{{#artifactType}} · artifact type <code>{{artifactType}}</code>{{/artifactType}}</p>
    <p>Pushed <time datetime="{{pushedISO}}">{{pushedText}}</time></p>
    <p>Tags: {{#tags}}<span class="tag">{{name}}</span>{{/tags}}{{^tags}}<span class="muted">none</span>{{/tags}}</p>
    {{^empty(platforms)}}<p>Platforms:</p><ul>{{#platforms}}<li><a href="{{href}}" class="digest">{{short}}</a> {{name}} · {{size}} · <span class="{{signatureClass}}" title="{{signatureTitle}}">{{signatureMark}}</span></li>{{/platforms}}</ul>{{/empty(platforms)}}
    {{^empty(annotations)}}<p>Annotations:</p><table id="annotations"><tbody>{{#annotations}}<tr><td><code>{{key}}</code></td><td class="annotation-value">{{value}}</td></tr>{{/annotations}}</tbody></table>{{/empty(annotations)}}
    <div class="pull">Pull: <code>{{pull}}</code><button type="button" class="copy" data-copy="{{pull}}">copy</button></div>
    {{#mayDelete}}<p><a class="button danger artifact-delete" href="{{deleteAction}}" data-confirm="{{deleteConfirm}}">Delete artifact…</a></p>{{/mayDelete}}
    </div>
    <h2 id="accessories">Accessories</h2>
    {{> accessories}}
    {{/content}}{{/layout}}
    """

    static let accessories = """
    <div class="accessories-table">{{^rows}}<p class="muted no-accessories">No accessories.</p>{{/rows}}
    {{^empty(rows)}}<table class="responsive accessories"><thead><tr><th>Accessory name</th><th>Type</th><th class="num">Size</th><th>Created time</th><th></th></tr></thead><tbody>
    {{#rows}}<tr class="accessory tree-{{depth}}" data-digest="{{digest}}"><td data-label="Name" class="accessory-name" title="{{digest}}">{{#nested}}↳ {{/nested}}{{name}}</td><td data-label="Type" class="accessory-type">{{type}}</td><td class="num accessory-size" data-label="Size">{{size}}</td><td data-label="Created" class="accessory-created"><time datetime="{{createdISO}}">{{createdText}}</time></td>
    <td>{{#mayDelete}}<details class="menu"><summary aria-label="Actions">⋮</summary><div><a href="{{deleteAction}}" data-confirm="{{deleteConfirm}}" class="accessory-delete">Delete</a></div></details>{{/mayDelete}}</td></tr>
    {{/rows}}</tbody></table>{{/empty(rows)}}
    {{#more}}<p class="muted">{{more}}</p>{{/more}}{{#next}}<p><a href="{{next}}">More accessories →</a></p>{{/next}}</div>
    """

    static let confirm = """
    {{<layout}}{{$title}}Confirm{{/title}}{{$content}}
    <div class="card" id="confirm"><h1>{{question}}</h1>
    {{^empty(goes)}}<p>These go with it:</p><ul id="goes">{{#goes}}<li>{{.}}</li>{{/goes}}</ul>{{/empty(goes)}}
    <form method="post" action="{{action}}"><input type="hidden" name="csrf" value="{{csrf}}"><button class="danger" id="confirm-submit">{{verb}}</button> <a href="{{back}}">Cancel</a></form></div>
    {{/content}}{{/layout}}
    """

    static let error = """
    {{<layout}}{{$title}}{{heading}}{{/title}}{{$content}}
    <div class="error" id="error"><h1>{{heading}}</h1><p>{{message}}</p></div>
    <p><a href="/projects">Back to the projects</a></p>
    {{/content}}{{/layout}}
    """

    static let audit = """
    {{<layout}}{{$title}}Audit log{{/title}}{{$content}}
    <h1>Audit log</h1>
    <table class="responsive" id="audit"><thead><tr><th>Time</th><th>Actor</th><th>Action</th><th>Repository</th><th>Digest</th><th>Detail</th></tr></thead><tbody>
    {{#events}}<tr><td data-label="Time"><time datetime="{{time.iso}}">{{time.text}}</time></td><td data-label="Actor">{{actor}}</td><td data-label="Action">{{action}}</td><td data-label="Repository">{{repository}}</td><td data-label="Digest" class="digest">{{digest}}</td><td data-label="Detail">{{detail}}</td></tr>
    {{/events}}</tbody></table>
    <div class="pager">{{#first}}<a href="/audit">← Newest</a>{{/first}}{{#next}}<a id="next-page" href="{{next}}">Older →</a>{{/next}}</div>
    {{/content}}{{/layout}}
    """

    static let registry = """
    {{<layout}}{{$title}}Registry{{/title}}{{$content}}
    <h1>Registry</h1>
    <div class="card"><h2>Garbage collection and retention</h2>
    <p>A dry run shows what would go, and how many bytes, before anything is removed.</p>
    <form class="inline" method="post" action="/registry/gc?dryRun=true"><input type="hidden" name="csrf" value="{{csrf}}"><button id="gc-dry-run">Dry run GC</button></form>
    <form class="inline" method="post" action="/registry/retention?dryRun=true"><input type="hidden" name="csrf" value="{{csrf}}"><button id="retention-dry-run">Dry run retention</button></form></div>
    <div class="card"><h2>Rules, GC settings and trusted keys</h2>
    <p>The policy document of <code>berth policy</code> and <code>PUT /admin/v1/policies</code>: immutability, retention and signed-only rules (registry-wide globs), GC settings, trusted keys. It is checked as a whole before it replaces the current one.</p>
    {{#problem}}<p class="error" id="policy-problem">{{problem}}</p>{{/problem}}
    <form method="post" action="/registry/policies"><input type="hidden" name="csrf" value="{{csrf}}"><textarea name="policies" id="policies" spellcheck="false" aria-label="Policies">{{policies}}</textarea><p><button id="save-policies">Save policies</button></p></form></div>
    {{/content}}{{/layout}}
    """

    static let report = """
    {{<layout}}{{$title}}{{heading}}{{/title}}{{$content}}
    <h1 id="report-heading">{{heading}}</h1>
    <p id="report-summary">{{summary}}</p>
    {{^empty(items)}}<table id="report"><thead><tr><th>What</th><th>Where</th><th class="num">Size</th></tr></thead><tbody>{{#items}}<tr><td class="digest">{{what}}</td><td>{{where}}</td><td class="num">{{size}}</td></tr>{{/items}}</tbody></table>{{/empty(items)}}
    {{#moreItems}}<p class="muted">{{moreItems}}</p>{{/moreItems}}
    {{#runAction}}<form method="post" action="{{runAction}}"><input type="hidden" name="csrf" value="{{csrf}}"><button class="danger" id="run-for-real">{{runLabel}}</button> <a href="/registry">Cancel</a></form>{{/runAction}}
    {{/content}}{{/layout}}
    """

    static let replication = """
    {{<layout}}{{$title}}Replication{{/title}}{{$content}}
    <h1>Replication</h1>
    {{^enabled}}<p class="muted">Replication is not available in this server.</p>{{/enabled}}
    {{#enabled}}
    <h2>Endpoints</h2>
    {{^endpoints}}<p class="muted">No endpoint.</p>{{/endpoints}}
    {{^empty(endpoints)}}<table class="responsive" id="endpoints"><thead><tr><th>Name</th><th>URL</th><th>Credentials</th></tr></thead><tbody>{{#endpoints}}<tr><td data-label="Name">{{name}}</td><td data-label="URL"><code>{{url}}</code></td><td data-label="Credentials">{{credentials}}</td></tr>{{/endpoints}}</tbody></table>{{/empty(endpoints)}}
    <h2>Rules</h2>
    {{^rules}}<p class="muted">No rule.</p>{{/rules}}
    {{^empty(rules)}}<table class="responsive" id="replication-rules"><thead><tr><th>Name</th><th>Direction</th><th>Endpoint</th><th>Repositories</th><th>Trigger</th><th></th></tr></thead><tbody>{{#rules}}<tr><td data-label="Name">{{name}}</td><td data-label="Direction">{{direction}}</td><td data-label="Endpoint">{{endpoint}}</td><td data-label="Repositories"><code>{{repositories}}</code></td><td data-label="Trigger">{{trigger}}</td><td><form class="inline" method="post" action="{{runAction}}"><input type="hidden" name="csrf" value="{{csrf}}"><button class="run-now">Run now</button></form></td></tr>{{/rules}}</tbody></table>{{/empty(rules)}}
    <h2>Executions</h2>
    {{^executions}}<p class="muted">No execution yet.</p>{{/executions}}
    {{^empty(executions)}}<table class="responsive" id="executions"><thead><tr><th>Id</th><th>Rule</th><th>Trigger</th><th>Started</th><th>State</th><th class="num">Tasks</th><th class="num">Failed</th><th class="num">Bytes</th></tr></thead><tbody>{{#executions}}<tr><td data-label="Id"><a href="{{href}}">{{id}}</a></td><td data-label="Rule">{{rule}}</td><td data-label="Trigger">{{trigger}}</td><td data-label="Started"><time datetime="{{started.iso}}">{{started.text}}</time></td><td data-label="State">{{state}}</td><td class="num" data-label="Tasks">{{tasks}}</td><td class="num" data-label="Failed">{{failed}}</td><td class="num" data-label="Bytes">{{bytes}}</td></tr>{{/executions}}</tbody></table>{{/empty(executions)}}
    {{/enabled}}
    {{/content}}{{/layout}}
    """

    static let execution = """
    {{<layout}}{{$title}}Execution {{id}}{{/title}}{{$content}}
    <div class="crumbs"><a href="/replication">Replication</a> /</div>
    <h1>Execution {{id}} of {{rule}}</h1>
    <p>{{state}} · trigger {{trigger}} · started <time datetime="{{started.iso}}">{{started.text}}</time></p>
    <table class="responsive" id="tasks"><thead><tr><th>Task</th><th>Artifact</th><th>State</th><th class="num">Attempts</th><th class="num">Bytes</th><th>Error</th></tr></thead><tbody>
    {{#tasks}}<tr><td data-label="Task">{{number}}</td><td data-label="Artifact" class="digest">{{artifact}}</td><td data-label="State">{{state}}</td><td class="num" data-label="Attempts">{{attempts}}</td><td class="num" data-label="Bytes">{{bytes}}</td><td data-label="Error">{{error}}</td></tr>{{/tasks}}
    </tbody></table>
    {{/content}}{{/layout}}
    """
}
