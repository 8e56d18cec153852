using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Portal.Core.Common;
using Portal.Core.Integrations;

namespace Portal.Core.Configs;

/// <summary>
/// Applies a config body to a draft and validates the result against the integration's metadata.
/// Secret values go into the credential bag, never into the stored content.
/// </summary>
public static partial class ConfigRules
{
    public const int MaxDisplayName = 100;
    public const int MaxDescription = 500;
    public const string ParametersSection = "parameters";
    public const string AuthSection = "auth";

    [GeneratedRegex("^[A-Za-z0-9._:~-]{1,512}\\z")]
    public static partial Regex RecordKey();

    /// <summary>AT Protocol record-key syntax: 1..512 of <c>A-Za-z0-9._:~-</c>, and not <c>.</c> or <c>..</c>.</summary>
    public static bool IsRecordKey(string? value) => value is not null && RecordKey().IsMatch(value) && value is not "." and not "..";

    public const string RecordKeyRule = "must be a record key: 1 to 512 letters, digits, '.', '_', ':', '~' or '-' (not '.' or '..').";

    public static string AuthMapSection(string key) => $"authMap:{key}";

    public static void Apply(ConfigMetadata metadata, ConfigContent content, Dictionary<string, Dictionary<string, string>> credentials, ConfigInput input, ValidationErrors errors)
    {
        if (input.DisplayName is not null)
        {
            content.DisplayName = input.DisplayName.Trim();
        }

        if (content.DisplayName.Length > MaxDisplayName)
        {
            errors.Add("displayName", $"displayName must be at most {MaxDisplayName} characters.");
        }

        if (input.Description is not null)
        {
            content.Description = input.Description.Length == 0 ? null : input.Description;
        }

        if (content.Description is { Length: > MaxDescription })
        {
            errors.Add("description", $"description must be at most {MaxDescription} characters.");
        }

        if (input.SigningSecretName is not null)
        {
            content.SigningSecretName = input.SigningSecretName.Length == 0 ? null : input.SigningSecretName;
        }

        if (content.SigningSecretName is not null && !IsRecordKey(content.SigningSecretName))
        {
            errors.Add("signingSecretName", $"signingSecretName {RecordKeyRule}");
        }

        var fresh = Merge(metadata.ParametersMetadata, content.Parameters, Section(credentials, ParametersSection), input.Parameters, "parameters", errors);
        ParameterValidator.CheckAll(metadata.ParametersMetadata, Union(content.Parameters, fresh), credentials[ParametersSection].Keys.ToHashSet(), "parameters", errors);

        if (input.Auth is not null)
        {
            content.Auth = ApplyAuth(metadata, content.Auth, credentials, AuthSection, input.Auth, "auth", errors);
        }
        else if (content.Auth is not null)
        {
            Revalidate(metadata, content.Auth, credentials, AuthSection, "auth", errors);
        }

        if (input.AuthMap is not null)
        {
            ApplyAuthMap(metadata, content, credentials, input.AuthMap, errors);
        }
        else
        {
            foreach (var (entry, i) in (content.AuthMap ?? []).Select((e, i) => (e, i)))
            {
                Revalidate(metadata, entry.Auth, credentials, AuthMapSection(entry.Key), $"authMap[{i}].auth", errors);
            }
        }

        if (content.Auth is not null && content.AuthMap is { Count: > 0 })
        {
            errors.Add("authMap", "Set either auth or authMap, not both.");
        }

        credentials.Keys.Where(k => credentials[k].Count == 0).ToList().ForEach(k => credentials.Remove(k));
    }

    /// <summary>What a view (of the draft or of a revision) shows of the credentials: which are set, never their values.</summary>
    public static (IReadOnlyDictionary<string, SecretState> SecretParameters, AuthView? Auth, IReadOnlyList<AuthMapEntryView>? AuthMap) CredentialStates(
        ConfigMetadata metadata, ConfigContent content, Dictionary<string, Dictionary<string, string>> credentials) =>
        (SecretStates(metadata.ParametersMetadata, credentials.GetValueOrDefault(ParametersSection)),
            ToAuthView(metadata, content.Auth, credentials.GetValueOrDefault(AuthSection)),
            ToAuthMapView(metadata, content.AuthMap, credentials));

    public static IReadOnlyDictionary<string, SecretState> SecretStates(IEnumerable<ParameterMetadata> metadata, Dictionary<string, string>? set) =>
        metadata.Where(p => p.Secret).ToDictionary(p => p.Name, p => new SecretState(set?.ContainsKey(p.Name) == true), StringComparer.Ordinal);

    public static AuthView? ToAuthView(ConfigMetadata metadata, StoredAuth? auth, Dictionary<string, string>? set)
    {
        if (auth is null)
        {
            return null;
        }

        var method = metadata.AuthMetadata.FirstOrDefault(a => a.Id == auth.AuthMetadataId);
        return new AuthView(auth.AuthMetadataId, auth.Parameters, SecretStates(method?.ParametersMetadata ?? [], set));
    }

    public static IReadOnlyList<AuthMapEntryView>? ToAuthMapView(ConfigMetadata metadata, List<StoredAuthMapEntry>? map, Dictionary<string, Dictionary<string, string>> credentials) =>
        map?.Select(e => new AuthMapEntryView(e.Key, ToAuthView(metadata, e.Auth, credentials.GetValueOrDefault(AuthMapSection(e.Key)))!)).ToList();

    private static StoredAuth? ApplyAuth(ConfigMetadata metadata, StoredAuth? current, Dictionary<string, Dictionary<string, string>> credentials, string section, AuthInput input, string at, ValidationErrors errors)
    {
        var method = metadata.AuthMetadata.FirstOrDefault(a => a.Id == input.AuthMetadataId);
        if (method is null)
        {
            var known = metadata.AuthMetadata.Count == 0 ? "this integration declares no auth methods" : $"use one of: {string.Join(", ", metadata.AuthMetadata.Select(a => a.Id))}";
            errors.Add($"{at}.authMetadataId", $"Unknown auth method '{input.AuthMetadataId}': {known}.");
            return current;
        }

        if (current is null || current.AuthMetadataId != method.Id)
        {
            current = new StoredAuth { AuthMetadataId = method.Id };
            credentials.Remove(section); // another method's secrets do not carry over
        }

        var fresh = Merge(method.ParametersMetadata, current.Parameters, Section(credentials, section), input.Parameters, $"{at}.parameters", errors);
        ParameterValidator.CheckAll(method.ParametersMetadata, Union(current.Parameters, fresh), credentials[section].Keys.ToHashSet(), $"{at}.parameters", errors);
        return current;
    }

    private static void ApplyAuthMap(ConfigMetadata metadata, ConfigContent content, Dictionary<string, Dictionary<string, string>> credentials, List<AuthMapEntryInput> entries, ValidationErrors errors)
    {
        var previous = (content.AuthMap ?? []).ToDictionary(e => e.Key, StringComparer.Ordinal);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<StoredAuthMapEntry>();
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (entry is null)
            {
                errors.Add($"authMap[{i}]", "An authMap entry is an object with a key and an auth, not null.");
                continue;
            }

            if (string.IsNullOrWhiteSpace(entry.Key) || !keys.Add(entry.Key))
            {
                errors.Add($"authMap[{i}].key", string.IsNullOrWhiteSpace(entry.Key) ? "Each authMap entry needs a key." : $"Key '{entry.Key}' appears twice.");
                continue;
            }

            if (entry.Auth is null)
            {
                errors.Add($"authMap[{i}].auth", "Each authMap entry needs an auth.");
                continue;
            }

            var auth = ApplyAuth(metadata, previous.GetValueOrDefault(entry.Key)?.Auth, credentials, AuthMapSection(entry.Key), entry.Auth, $"authMap[{i}].auth", errors);
            if (auth is not null)
            {
                result.Add(new StoredAuthMapEntry { Key = entry.Key, Auth = auth });
            }
        }

        foreach (var gone in previous.Keys.Where(k => !keys.Contains(k)))
        {
            credentials.Remove(AuthMapSection(gone));
        }

        content.AuthMap = result.Count == 0 ? null : result;
    }

    private static void Revalidate(ConfigMetadata metadata, StoredAuth auth, Dictionary<string, Dictionary<string, string>> credentials, string section, string at, ValidationErrors errors)
    {
        var method = metadata.AuthMetadata.FirstOrDefault(a => a.Id == auth.AuthMetadataId);
        if (method is null)
        {
            errors.Add($"{at}.authMetadataId", $"Auth method '{auth.AuthMetadataId}' no longer exists on the integration.");
            return;
        }

        ParameterValidator.CheckAll(method.ParametersMetadata, auth.Parameters, Section(credentials, section).Keys.ToHashSet(), $"{at}.parameters", errors);
    }

    /// <summary>Merges incoming values: secret ones into the bag, others into the content; null clears (for a secret, so does an empty string: an empty credential is no credential). Returns the incoming secret values, for type checks.</summary>
    private static Dictionary<string, JsonNode?> Merge(List<ParameterMetadata> metadata, Dictionary<string, JsonNode?> values, Dictionary<string, string> secrets, Dictionary<string, JsonNode?>? input, string at, ValidationErrors errors)
    {
        var fresh = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        if (input is null)
        {
            return fresh;
        }

        foreach (var (name, value) in input)
        {
            var meta = metadata.FirstOrDefault(p => p.Name == name);
            if (meta is null)
            {
                errors.Add($"{at}.{name}", $"'{name}' is not a parameter of this integration.");
                continue;
            }

            if (meta.Secret)
            {
                if (value is null || ParameterValidator.IsEmpty(value))
                {
                    secrets.Remove(name);
                }
                else
                {
                    fresh[name] = value.DeepClone();
                    secrets[name] = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value.ToJsonString();
                }
            }
            else if (value is null)
            {
                values.Remove(name);
            }
            else
            {
                values[name] = value.DeepClone();
            }
        }

        return fresh;
    }

    private static Dictionary<string, string> Section(Dictionary<string, Dictionary<string, string>> credentials, string section)
    {
        if (!credentials.TryGetValue(section, out var bag))
        {
            credentials[section] = bag = new Dictionary<string, string>(StringComparer.Ordinal);
        }

        return bag;
    }

    private static Dictionary<string, JsonNode?> Union(Dictionary<string, JsonNode?> a, Dictionary<string, JsonNode?> b)
    {
        var all = new Dictionary<string, JsonNode?>(a, StringComparer.Ordinal);
        foreach (var (k, v) in b)
        {
            all[k] = v;
        }

        return all;
    }
}
