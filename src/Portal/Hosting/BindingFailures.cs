using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;

namespace Portal.Hosting;

/// <summary>
/// Names the route or query value that did not bind. Endpoints whose delegates are generated at build (RDG, for start-up
/// time) answer such a value with a bare 400 where the runtime factory threw with the parameter's name; the endpoint's
/// binding metadata says which parameters parse from text, so the one whose value does not parse is found again here.
/// </summary>
internal static class BindingFailures
{
    private const int MaxEchoedLength = 100;

    /// <summary>"Failed to bind parameter "int? skip" from "lots"." for the first value that does not parse; null when every value parses.</summary>
    public static string? Describe(HttpContext http)
    {
        foreach (var parameter in http.GetEndpoint()?.Metadata.GetOrderedMetadata<IParameterBindingMetadata>() ?? [])
        {
            if (!parameter.HasTryParse)
            {
                continue;
            }

            var raw = http.Request.RouteValues.TryGetValue(parameter.Name, out var route) && route is string fromRoute
                ? fromRoute
                : http.Request.Query[parameter.Name].ToString();
            var declared = parameter.ParameterInfo.ParameterType;
            var type = Nullable.GetUnderlyingType(declared) ?? declared;
            if (string.IsNullOrEmpty(raw) || Parses(type, raw))
            {
                continue;
            }

            var echoed = raw.Length > MaxEchoedLength ? raw[..MaxEchoedLength] + "…" : raw;
            return $"Failed to bind parameter \"{Name(type)}{(type != declared ? "?" : "")} {parameter.Name}\" from \"{echoed}\".";
        }

        return null;
    }

    private static bool Parses(Type type, string raw)
    {
        if (type.IsEnum)
        {
            return Enum.TryParse(type, raw, ignoreCase: true, out _);
        }

        var tryParse = type.GetMethod("TryParse", BindingFlags.Public | BindingFlags.Static, [typeof(string), typeof(IFormatProvider), type.MakeByRefType()]);
        if (tryParse is null)
        {
            return true; // not a type this can check: blame nothing
        }

        return tryParse.Invoke(null, [raw, CultureInfo.InvariantCulture, null]) is true;
    }

    private static string Name(Type type) => type == typeof(int) ? "int" : type == typeof(long) ? "long" : type == typeof(bool) ? "bool" : type.Name;
}
