using System.Text.Json.Nodes;

namespace Portal.Core.Common;

/// <summary>
/// Limits on JSON the portal stores and evaluates. A user document (a jsonSchema, a Json parameter, an asset, a tool's
/// input schema…) may nest at most <see cref="MaxUserDepth"/> levels, well below <see cref="MaxDocumentDepth"/>, the
/// one limit used to read request bodies, read stored rows and write responses: what is stored can always be read back.
/// </summary>
public static class JsonLimits
{
    public const int MaxUserDepth = 32;
    public const int MaxDocumentDepth = 64;

    /// <summary>How long one regular-expression match may run (rules, schema patterns) before it counts as a failure.</summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(100);

    public static string TooDeep(string what) => $"{what} is nested more than {MaxUserDepth} levels deep.";

    /// <summary>The nesting depth of a value: 0 for a scalar, 1 for a flat object or array. Stops counting past <paramref name="cap"/>.</summary>
    public static int Depth(JsonNode? node, int cap = MaxUserDepth + 1)
    {
        if (node is null or JsonValue || cap <= 0)
        {
            return 0;
        }

        var children = node is JsonObject o ? o.Select(p => p.Value) : node.AsArray();
        var deepest = 0;
        foreach (var child in children)
        {
            deepest = Math.Max(deepest, Depth(child, cap - 1));
            if (deepest >= cap - 1)
            {
                break;
            }
        }

        return 1 + deepest;
    }

    public static bool IsTooDeep(JsonNode? node) => Depth(node) > MaxUserDepth;
}
