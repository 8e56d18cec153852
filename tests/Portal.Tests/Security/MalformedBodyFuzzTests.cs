using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using Portal.Tests.SigningSecrets;
using Xunit.Abstractions;
using static Portal.Tests.Infrastructure.ApiTestData;

namespace Portal.Tests.Security;

/// <summary>
/// A small, deterministic fuzzer: valid bodies with one part made hostile (wrong types, nulls in arrays, deep
/// nesting, huge numbers, odd unicode, duplicate keys, broken text), sent to the write endpoints. Bad input is a
/// 4xx; not one answer may be a 5xx.
/// </summary>
public sealed class MalformedBodyFuzzTests(PortalApplication app, ITestOutputHelper output) : IClassFixture<PortalApplication>
{
    private const int PerTarget = 70;
    private static readonly JsonSerializerOptions Deep = new() { MaxDepth = 512 };

    private static readonly Func<Random, JsonNode?>[] Hostile =
    [
        _ => null,
        _ => JsonNode.Parse("123456789012345678901234567890"),
        _ => JsonNode.Parse("-1e400"),
        _ => JsonValue.Create(-0.0),
        _ => JsonValue.Create(true),
        _ => JsonValue.Create(""),
        _ => JsonValue.Create("\u0000\u202e😀\uFFFD\u00e9"),
        r => JsonValue.Create(new string('ü', r.Next(1, 5000))),
        _ => new JsonObject(),
        _ => new JsonArray(),
        _ => new JsonArray(null, null),
        r => Nest(r.Next(20, 70)),
        _ => new JsonObject { ["$ref"] = "http://127.0.0.1:9/x", ["pattern"] = "^(a+)+$" },
        _ => JsonValue.Create(long.MinValue),
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

    /// <summary>Every node of the tree with a way to replace it.</summary>
    private static List<Action<JsonNode?>> Slots(JsonNode root)
    {
        var slots = new List<Action<JsonNode?>>();
        void Walk(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var key in o.Select(p => p.Key).ToList())
                    {
                        slots.Add(v => o[key] = v);
                        Walk(o[key]);
                    }

                    break;
                case JsonArray a:
                    for (var i = 0; i < a.Count; i++)
                    {
                        var at = i;
                        slots.Add(v => a[at] = v);
                        Walk(a[at]);
                    }

                    slots.Add(v => a.Add(v));
                    break;
            }
        }

        Walk(root);
        return slots;
    }

    private static string Mutate(JsonObject valid, Random random)
    {
        var body = valid.DeepClone().AsObject();
        var text = "";
        switch (random.Next(10))
        {
            case < 6:
                var slots = Slots(body);
                for (var n = random.Next(1, 3); n > 0; n--)
                {
                    slots[random.Next(slots.Count)](Hostile[random.Next(Hostile.Length)](random));
                    slots = Slots(body);
                }

                text = body.ToJsonString(Deep);
                break;
            case 6:
                var key = body.Select(p => p.Key).ElementAt(random.Next(body.Count));
                text = body.ToJsonString(Deep).Insert(1, $"\"{key}\": {Hostile[random.Next(Hostile.Length)](random)?.ToJsonString(Deep) ?? "null"}, ");
                break;
            case 7:
                var whole = body.ToJsonString(Deep);
                text = whole[..random.Next(whole.Length)];
                break;
            case 8:
                var chars = body.ToJsonString(Deep).ToCharArray();
                const string Breakers = "\"{}[],:\\\u0000x9";
                chars[random.Next(chars.Length)] = Breakers[random.Next(Breakers.Length)];
                text = new string(chars);
                break;
            default:
                text = Hostile[random.Next(Hostile.Length)](random)?.ToJsonString(Deep) ?? "null";
                break;
        }

        return text;
    }

    [Fact]
    public async Task Hundreds_of_malformed_bodies_never_get_a_5xx()
    {
        using var admin = await app.ClientAsync();
        var random = new Random(20261202);
        var id = NewId("fuzz");
        await admin.CreateIntegrationAsync(Integration(id));
        var config = await admin.CreateConfigAsync(id, ConfigBody());
        var secret = SigningSecretTestData.NewName("fuzz");
        await admin.CreateSigningSecretAsync(secret);

        var targets = new (HttpMethod Method, string Url, Func<JsonObject> Valid)[]
        {
            (HttpMethod.Post, $"{Base}/integrations", () => Integration(NewId("fz"))),
            (HttpMethod.Put, $"{Base}/integrations/{id}", () => Integration(id)),
            (HttpMethod.Patch, $"{Base}/integrations/{id}", () => Integration(id)),
            (HttpMethod.Post, $"{Base}/integrations/{id}/configs", ConfigBody),
            (HttpMethod.Patch, $"{Base}/integrations/{id}/configs/{config["id"]}", ConfigBody),
            (HttpMethod.Post, SigningSecretTestData.XrpcRotate, () => new JsonObject { ["name"] = secret }),
        };

        var sent = 0;
        var failures = new List<string>();
        foreach (var (method, url, valid) in targets)
        {
            for (var i = 0; i < PerTarget; i++)
            {
                var body = Mutate(valid(), random);
                using var response = await admin.SendAsync(new HttpRequestMessage(method, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
                sent++;
                if ((int)response.StatusCode >= 500)
                {
                    failures.Add($"{method} {url} -> {(int)response.StatusCode}: {body[..Math.Min(body.Length, 300)]}");
                }
            }
        }

        output.WriteLine($"sent {sent}, 5xx {failures.Count}");
        failures.Take(10).ToList().ForEach(output.WriteLine);
        Assert.True(sent >= 400, $"sent only {sent}");
        Assert.True(failures.Count == 0, $"sent {sent}, 5xx {failures.Count}:\n{string.Join("\n", failures.Take(10))}");
    }

    private static JsonObject ConfigBody() => new()
    {
        ["displayName"] = "Fuzzed",
        ["description"] = "a config",
        ["parameters"] = new JsonObject
        {
            ["baseUrl"] = "https://crm.example", ["port"] = 443, ["ratio"] = 1.5, ["region"] = "eu",
            ["apiToken"] = "secret-value", ["filter"] = new JsonObject { ["field"] = "name" },
        },
        ["auth"] = new JsonObject { ["authMetadataId"] = "key", ["parameters"] = new JsonObject { ["apiKey"] = "k-123" } },
    };
}
