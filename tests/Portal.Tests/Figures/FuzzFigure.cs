using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Portal.Tests.Figures;

public sealed partial class SecurityFigures
{
    private const int FuzzRequests = 10_000;
    private static readonly JsonSerializerOptions Deep = new() { MaxDepth = 1024 };

    [GeneratedRegex(@"\n\s+at [\w.`<>]+\(|\b(System|Microsoft|Portal)(\.\w+)+Exception\b")]
    private static partial Regex StackTrace();

    private static readonly Func<Random, JsonNode?>[] HostileValues =
    [
        _ => null,
        _ => JsonNode.Parse("123456789012345678901234567890123456789"),
        _ => JsonNode.Parse("-1e400"),
        _ => JsonNode.Parse("1e308"),
        _ => JsonValue.Create(-0.0),
        _ => JsonValue.Create(long.MinValue),
        _ => JsonValue.Create(true),
        _ => JsonValue.Create(""),
        _ => JsonValue.Create("\u0000\u202e😀\uFFFD\u00e9\u200b"),
        _ => JsonValue.Create("../../etc/passwd"),
        _ => JsonValue.Create("{{baseUrl}}%00<script>"),
        r => JsonValue.Create(new string('ü', r.Next(1, 3000))),
        _ => new JsonObject(),
        _ => new JsonArray(),
        _ => new JsonArray(null, null, 1, "x"),
        r => Nest(r.Next(20, 200)),
        _ => new JsonObject { ["$ref"] = "http://127.0.0.1:9/x", ["pattern"] = "^(a+)+$" },
    ];

    private static readonly string[] HostileSegments =
    [
        "", " ", "%00", "..", "x%2F..%2F..", new string('a', 5000), "😀\u202e", "'; DROP TABLE x;--", "00000000-0000-0000-0000-000000000000",
        "not-a-guid", "-1", "99999999999999999999", "%E0%A4%A", "a:b", "{config}", "null",
    ];

    private static readonly string[] HostileQueries =
    [
        "take=-1", "take=0", "take=99999999999999999999", "skip=-5", "take=abc", "take=1e9", "cursor=%00%ff", "tag=" + new string('t', 3000),
        "q=%F0%9F%98%80", "take=1&take=2", "action=%27%22", "from=-9223372036854775808", "to=1e400", "search=" + Uri.EscapeDataString("\u0000\u202e"),
    ];

    private static JsonNode Nest(int depth)
    {
        JsonNode node = new JsonArray(1);
        for (var i = 1; i < depth; i++)
        {
            node = i % 2 == 0 ? new JsonArray(node) : new JsonObject { ["a"] = node };
        }

        return node;
    }

    private static List<Action<JsonNode?>> Slots(JsonNode root)
    {
        var slots = new List<Action<JsonNode?>>();
        void Walk(JsonNode? node)
        {
            if (node is JsonObject o)
            {
                foreach (var key in o.Select(p => p.Key).ToList())
                {
                    slots.Add(v => o[key] = v);
                    Walk(o[key]);
                }

                slots.Add(v => o["extra" + slots.Count] = v);
            }
            else if (node is JsonArray a)
            {
                for (var i = 0; i < a.Count; i++)
                {
                    var at = i;
                    slots.Add(v => a[at] = v);
                    Walk(a[at]);
                }

                slots.Add(v => a.Add(v));
            }
        }

        Walk(root);
        return slots;
    }

    private static string HostileBody(JsonObject valid, Random random)
    {
        var body = valid.DeepClone().AsObject();
        switch (random.Next(10))
        {
            case < 6:
                for (var n = random.Next(1, 3); n > 0; n--)
                {
                    var slots = Slots(body);
                    slots[random.Next(slots.Count)](HostileValues[random.Next(HostileValues.Length)](random));
                }

                return body.ToJsonString(Deep);
            case 6 when body.Count > 0:
                var key = body.Select(p => p.Key).ElementAt(random.Next(body.Count));
                return body.ToJsonString(Deep).Insert(1, $"\"{key}\": {HostileValues[random.Next(HostileValues.Length)](random)?.ToJsonString(Deep) ?? "null"}, ");
            case 7:
                var whole = body.ToJsonString(Deep);
                return whole[..random.Next(whole.Length)];
            case 8:
                var chars = body.ToJsonString(Deep).ToCharArray();
                const string Breakers = "\"{}[],:\\\u0000x9";
                chars[random.Next(chars.Length)] = Breakers[random.Next(Breakers.Length)];
                return new string(chars);
            default:
                return HostileValues[random.Next(HostileValues.Length)](random)?.ToJsonString(Deep) ?? "null";
        }
    }

    private sealed record FuzzCase(string Method, string Url, string? Body, string? ContentType, string? BigHeader);

    private List<FuzzCase> FuzzCases(Victim victim, IReadOnlyList<Route> routes, Random random)
    {
        var cases = new List<FuzzCase>(FuzzRequests);
        for (var i = 0; i < FuzzRequests; i++)
        {
            var route = routes[i % routes.Count];
            var kind = random.Next(100);
            var url = victim.Fill(route);
            string? body = route.BodySchema is null && route.Method is "GET" or "DELETE" ? null : figures.SampleBody(route.BodySchema, route.PathParameters.Contains("binding") ? victim.BindingIds : victim.Ids).ToJsonString();
            string? contentType = body is null ? null : "application/json";
            string? header = null;
            var pathMutated = false;
            if (route.PathParameters.Count > 0 && (kind < 25 || route.Method == "DELETE" || body is null && route.Method != "GET"))
            {
                var parameter = route.PathParameters[random.Next(route.PathParameters.Count)];
                var segment = HostileSegments[random.Next(HostileSegments.Length)];
                url = victim.Fill(route, (p, v) => p == parameter ? segment : v);
                pathMutated = true;
            }

            if (route.Method == "GET" && (kind >= 25 || !pathMutated))
            {
                url += "?" + string.Join('&', Enumerable.Range(0, random.Next(1, 3)).Select(_ => HostileQueries[random.Next(HostileQueries.Length)]));
            }
            else if (body is not null && (kind >= 25 || !pathMutated))
            {
                body = HostileBody(JsonNode.Parse(body)!.AsObject(), random);
                contentType = random.Next(20) == 0 ? "text/plain" : contentType;
            }

            if (random.Next(500) == 0 && route.Method != "GET")
            {
                body = "{\"displayName\":\"" + new string('x', 2 * 1024 * 1024) + "\"}"; // over the 1 MiB limit
                contentType = "application/json";
            }

            if (random.Next(250) == 0)
            {
                header = new string('h', 32 * 1024);
            }

            cases.Add(new FuzzCase(route.Method, url, body, contentType, header));
        }

        return cases;
    }

    [Fact]
    public async Task Figure5_fuzz_ten_thousand_malformed_requests_get_no_5xx_and_no_stack_trace()
    {
        using var admin = await figures.ClientAsync();
        var victim = await Victim.SeedAsync(figures, admin);
        var routes = figures.Routes.Where(r => !Anonymous(r) && (r.BodySchema is not null || r.PathParameters.Count > 0 || r.QueryParameters.Count > 0 || r.Method == "POST")).ToList();
        var cases = FuzzCases(victim, routes, new Random(20261202));

        var failures = new ConcurrentQueue<string>();
        var sent = 0;
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (c, ct) =>
        {
            using var request = new HttpRequestMessage(new HttpMethod(c.Method), c.Url);
            if (c.Body is not null)
            {
                request.Content = new StringContent(c.Body, Encoding.UTF8);
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(c.ContentType ?? "application/json");
            }

            if (c.BigHeader is not null)
            {
                request.Headers.TryAddWithoutValidation("X-Fuzz", c.BigHeader);
            }

            using var response = await admin.SendAsync(request, ct);
            Interlocked.Increment(ref sent);
            var text = await response.Content.ReadAsStringAsync(ct);
            if ((int)response.StatusCode >= 500 || StackTrace().IsMatch(text))
            {
                failures.Enqueue($"{c.Method} {c.Url[..Math.Min(c.Url.Length, 200)]} -> {(int)response.StatusCode}: body {c.Body?[..Math.Min(c.Body.Length, 200)]} answer {text[..Math.Min(text.Length, 300)]}");
            }
        });

        output.WriteLine($"fuzz: sent {sent} over {routes.Count} routes, 5xx or stack trace {failures.Count}");
        failures.Take(20).ToList().ForEach(output.WriteLine);
        Assert.Equal(FuzzRequests, sent);
        Assert.Empty(failures);
    }
}
