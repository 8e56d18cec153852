using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portal.Core.Common;

/// <summary>The one JSON setting of the portal: camelCase, enums as the seeds spell them.</summary>
public static class PortalJson
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        // One depth for request bodies, stored rows and responses; user documents stay far below it (JsonLimits).
        options.MaxDepth = JsonLimits.MaxDocumentDepth;
        // {"name":"a","name":"b"} is ambiguous: refuse it rather than pick one.
        options.AllowDuplicateProperties = false;
        return options;
    }

    /// <summary>The same limits for a JSON text parsed by hand (no duplicate keys, one depth).</summary>
    public static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = JsonLimits.MaxDocumentDepth, AllowDuplicateProperties = false };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Options)
        ?? throw new InvalidOperationException($"Stored JSON for {typeof(T).Name} was null.");
}
