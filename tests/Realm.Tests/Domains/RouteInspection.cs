using Realm.Data;
using Realm.Domains;

namespace Realm.Tests.Domains;

/// <summary>Reads routes the way the tests judge them, independently of the domains' own code.</summary>
public static class RouteInspection
{
    /// <summary>The rule number each step names ("R4: 21*2=42" gives 4).</summary>
    public static List<int> Rules(string routeText) =>
        RouteText.Steps(routeText).Select(s => int.Parse(s[1..s.IndexOf(':')])).ToList();

    /// <summary>1-based first step where the route departs from the expert's; the first missing step if it is a prefix.</summary>
    public static int FirstDifference(List<string> expert, List<string> route)
    {
        int i = 0;
        while (i < expert.Count && i < route.Count && expert[i] == route[i]) i++;
        return i + 1;
    }


    public static IEnumerable<object[]> DomainNames() => BuiltInDomains.All.Select(d => new object[] { d.Name });
}
