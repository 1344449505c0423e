// featuregates prints, as JSON, the feature gates openshift/api enables and disables for a
// self-managed OpenShift 4 cluster in the Default and OKD feature sets. The lab writes them
// into the FeatureGate `cluster` status, which the machine-config-controller waits for
// (library-go pkg/operator/configobserver/featuregates: every gate the controller asks about
// must be listed, enabled or disabled, for the payload version it runs as).
//
// build-mco.sh copies this file into the extracted machine-config-operator tree and runs it
// there, so it reads the very openshift/api the controller was built with (vendor/).
package main

import (
	"encoding/json"
	"os"
	"sort"

	configv1 "github.com/openshift/api/config/v1"
	"github.com/openshift/api/features"
)

func names(descs []features.FeatureGateDescription) []string {
	out := []string{}
	for _, d := range descs {
		out = append(out, string(d.FeatureGateAttributes.Name))
	}
	sort.Strings(out)
	return out
}

func main() {
	out := map[string]map[string][]string{}
	for label, set := range map[string]configv1.FeatureSet{"Default": configv1.Default, "OKD": configv1.OKD} {
		gates := features.FeatureSets(4, features.SelfManaged, set)
		out[label] = map[string][]string{"enabled": names(gates.Enabled), "disabled": names(gates.Disabled)}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	if err := enc.Encode(out); err != nil {
		panic(err)
	}
}
