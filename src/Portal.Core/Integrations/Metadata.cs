using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Portal.Core.Integrations;

[JsonConverter(typeof(JsonStringEnumConverter<IntegrationType>))]
public enum IntegrationType
{
    [JsonStringEnumMemberName("CUSTOM")] Custom,
    [JsonStringEnumMemberName("SYSTEM")] System,
}

[JsonConverter(typeof(JsonStringEnumConverter<WebhookOwnership>))]
public enum WebhookOwnership
{
    [JsonStringEnumMemberName("CONFIG")] Config,
    [JsonStringEnumMemberName("PER_BINDING")] PerBinding,
}

/// <summary>Parameter types as seed 001 spells them (PascalCase).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ParameterType>))]
public enum ParameterType
{
    String,
    Integer,
    Float,
    Boolean,
    Json,
}

[JsonConverter(typeof(JsonStringEnumConverter<AuthType>))]
public enum AuthType
{
    [JsonStringEnumMemberName("UNSPECIFIED")] Unspecified,
    [JsonStringEnumMemberName("API_KEY")] ApiKey,
    [JsonStringEnumMemberName("BEARER_TOKEN")] BearerToken,
    [JsonStringEnumMemberName("BASIC")] Basic,
    [JsonStringEnumMemberName("OAUTH2")] OAuth2,
    [JsonStringEnumMemberName("NONE")] None,
}

[JsonConverter(typeof(JsonStringEnumConverter<AuthSensitivity>))]
public enum AuthSensitivity
{
    [JsonStringEnumMemberName("UNSPECIFIED")] Unspecified,
    [JsonStringEnumMemberName("LOW")] Low,
    [JsonStringEnumMemberName("MEDIUM")] Medium,
    [JsonStringEnumMemberName("HIGH")] High,
}

[JsonConverter(typeof(JsonStringEnumConverter<AuthLevel>))]
public enum AuthLevel
{
    [JsonStringEnumMemberName("APPLICATION")] Application,
    [JsonStringEnumMemberName("USER")] User,
}

/// <summary>Seed 001's <c>configMetadata</c>. Here and below, a list or object sent as null reads as empty.</summary>
public sealed class ConfigMetadata
{
    public List<ParameterMetadata> ParametersMetadata { get; set => field = value ?? []; } = [];
    public List<AuthMetadata> AuthMetadata { get; set => field = value ?? []; } = [];
}

/// <summary>Seed 001's parameter metadata, every field of it.</summary>
public sealed class ParameterMetadata
{
    public string Name { get; set; } = "";
    public int Index { get; set; }
    public ParameterType Type { get; set; } = ParameterType.String;
    public string? TypeName { get; set; }
    public NumberRange? IntegerRange { get; set; }
    public NumberRange? FloatRange { get; set; }
    public List<ParameterOption>? Options { get; set; }
    public JsonNode? Asset { get; set; }
    public string? DisplayName { get; set; }
    public string? Description { get; set; }
    public bool Required { get; set; }
    public bool Secret { get; set; }
    public string? DefaultValue { get; set; }
    public JsonNode? JsonSchema { get; set; }
    public JsonNode? UiHint { get; set; }
    public List<ParameterRule> Rules { get; set => field = value ?? []; } = [];
}

public sealed class NumberRange
{
    public double? Min { get; set; }
    public double? Max { get; set; }
}

/// <summary>An allowed value; on the wire either <c>"eu"</c> or <c>{"value":"eu","displayName":"Europe"}</c>.</summary>
[JsonConverter(typeof(ParameterOptionConverter))]
public sealed class ParameterOption
{
    public string Value { get; set; } = "";
    public string? DisplayName { get; set; }
}

/// <summary>
/// A value rule: <c>regex</c> (value: pattern), <c>minLength</c>/<c>maxLength</c> (value: number),
/// <c>url</c>, <c>email</c>, <c>notEmpty</c>; <c>message</c> replaces the default error text.
/// </summary>
public sealed class ParameterRule
{
    public string Type { get; set; } = "";
    public JsonNode? Value { get; set; }
    public string? Message { get; set; }
}

public sealed class AuthMetadata
{
    public string Id { get; set; } = "";
    public string? DisplayName { get; set; }
    public string? Description { get; set; }
    public AuthType Type { get; set; } = AuthType.Unspecified;
    public AuthSensitivity Sensitivity { get; set; } = AuthSensitivity.Unspecified;
    public string? AuthProviderName { get; set; }
    public bool ConfigTestSupported { get; set; }
    public List<AuthLevel> SupportedLevels { get; set => field = value ?? []; } = [];
    public AuthMapMetadata AuthMap { get; set => field = value ?? new(); } = new();
    public AuthSettings AuthSettings { get; set => field = value ?? new(); } = new();
    public List<ParameterMetadata> ParametersMetadata { get; set => field = value ?? []; } = [];
    public List<string> AvailableScopes { get; set => field = value ?? []; } = [];
}

public sealed class AuthMapMetadata
{
    public bool UseMap { get; set; }
    public string? KeyTemplate { get; set; }
    public List<ParameterMetadata> ParametersMetadata { get; set => field = value ?? []; } = [];
}

/// <summary>
/// Integration-level auth settings (OAUTH2: authorizationUrl, tokenUrl, clientId, clientSecret, scopes;
/// others: testUrl, headerName). Credential values never leave the server: responses list them
/// in <see cref="SecretParameters"/> as set or not.
/// </summary>
public sealed class AuthSettings
{
    public Dictionary<string, JsonNode?> Parameters { get; set => field = value ?? new(StringComparer.Ordinal); } = new(StringComparer.Ordinal);

    /// <summary>Response only: which credential settings hold a value.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, SecretState>? SecretParameters { get; set; }
}

/// <summary>What a response says about a credential: only whether it is set.</summary>
public sealed record SecretState(bool Set);

internal sealed class ParameterOptionConverter : JsonConverter<ParameterOption>
{
    public override ParameterOption? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return new ParameterOption { Value = reader.GetString()! };
        }

        // Every refusal is a JsonException, so binding answers 400 with the path of the option.
        var node = JsonNode.Parse(ref reader) as JsonObject ?? throw new JsonException("An option is a string or an object with a value.");
        return new ParameterOption
        {
            Value = Text(node["value"]) ?? throw new JsonException("An option object needs a value: a string or a number."),
            DisplayName = node["displayName"] switch
            {
                null => null,
                JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                _ => throw new JsonException("An option's displayName must be a string."),
            },
        };
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() is JsonValueKind.String or JsonValueKind.Number ? v.ToString() : null;

    public override void Write(Utf8JsonWriter writer, ParameterOption value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("value", value.Value);
        if (value.DisplayName is not null)
        {
            writer.WriteString("displayName", value.DisplayName);
        }

        writer.WriteEndObject();
    }
}
