using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Portal.Tests.Entra;

public sealed partial class LoopbackOidcProvider
{
    private static IResult Respond(string redirectUri, string responseMode, Dictionary<string, string> parameters)
    {
        var encoded = string.Join('&', parameters.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
        switch (responseMode)
        {
            case "form_post":
                var html = new StringBuilder()
                    .Append("<!DOCTYPE html><html><head><title>Working...</title></head><body onload=\"document.forms[0].submit()\">")
                    .Append("<form method=\"post\" action=\"").Append(WebUtility.HtmlEncode(redirectUri)).Append("\">");
                foreach (var (name, value) in parameters)
                {
                    html.Append("<input type=\"hidden\" name=\"").Append(WebUtility.HtmlEncode(name)).Append("\" value=\"").Append(WebUtility.HtmlEncode(value)).Append("\" />");
                }

                html.Append("<noscript><button type=\"submit\">Continue</button></noscript></form></body></html>");
                return Results.Content(html.ToString(), "text/html; charset=utf-8");
            case "fragment":
                return Results.Redirect($"{redirectUri}#{encoded}");
            default:
                return Results.Redirect($"{redirectUri}{(redirectUri.Contains('?') ? '&' : '?')}{encoded}");
        }
    }

    /// <summary>Reads the auto-submitting form of a form_post answer: its action and fields.</summary>
    public static (Uri Action, Dictionary<string, string> Fields) ParseFormPost(string html)
    {
        var action = FormAction().Match(html);
        if (!action.Success)
        {
            throw new InvalidOperationException("no form_post form in: " + html);
        }

        var fields = HiddenInput().Matches(html).ToDictionary(m => WebUtility.HtmlDecode(m.Groups[1].Value), m => WebUtility.HtmlDecode(m.Groups[2].Value));
        return (new Uri(WebUtility.HtmlDecode(action.Groups[1].Value)), fields);
    }

    [GeneratedRegex("<form method=\"post\" action=\"([^\"]+)\"")]
    private static partial Regex FormAction();

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\"")]
    private static partial Regex HiddenInput();
}
