"""The optional VPC placement of the webhook delivery function (off by default).

``DeliveryNetwork=vpc`` puts the function that POSTs to department systems in two private
subnets of a small VPC of the stack's own, whose traffic leaves through one NAT gateway: its
Elastic IP (the ``DeliveryEgressAddress`` output) is the one address a department's firewall
allows. ``DeliveryPrivateTargets=true`` (only with the VPC) also lets webhook URLs resolve to
private ranges (a government network such as 政务外网, routed from the private route table,
the ``DeliveryPrivateRouteTable`` output, through a VPN or transit gateway the district
attaches). Everything here carries the ``DeliveryInVpc`` condition; nothing changes when it
is off."""

from __future__ import annotations

from typing import Any

DELIVERY_HANDLER = "deliver_notifications"
NETWORK = "DeliveryNetwork"
PRIVATE_TARGETS = "DeliveryPrivateTargets"
CIDR = "DeliveryVpcCidr"
IN_VPC = "DeliveryInVpc"
PRIVATE_ON = "DeliveryPrivateTargetsOn"
# AWS's managed policy with exactly the network-interface calls a function in a VPC needs.
ENI_POLICY = "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaENIManagementAccess"


def parameters() -> dict[str, Any]:
    return {
        NETWORK: {
            "Type": "String",
            "Default": "public",
            "AllowedValues": ["public", "vpc"],
            "Description": "vpc: the webhook delivery function sends from a VPC through a NAT "
            "gateway with a fixed address (DeliveryEgressAddress) for departments' firewalls",
        },
        PRIVATE_TARGETS: {
            "Type": "String",
            "Default": "false",
            "AllowedValues": ["false", "true"],
            "Description": "true (with DeliveryNetwork=vpc only): webhook URLs may resolve to "
            "private ranges (10/8, 172.16/12, 192.168/16, fc00::/7) routed from the VPC",
        },
        CIDR: {
            "Type": "String",
            "Default": "10.254.0.0/24",
            "AllowedPattern": r"^(\d{1,3}\.){3}0/24$",
            "Description": "The delivery VPC's range, a /24 (four /26 subnets): one that no "
            "department network uses",
        },
    }


def conditions() -> dict[str, Any]:
    return {
        IN_VPC: {"Fn::Equals": [{"Ref": NETWORK}, "vpc"]},
        PRIVATE_ON: {
            "Fn::And": [{"Condition": IN_VPC}, {"Fn::Equals": [{"Ref": PRIVATE_TARGETS}, "true"]}]
        },
    }


def _subnet(index: int, zone: int) -> dict[str, Any]:
    return {
        "Type": "AWS::EC2::Subnet",
        "Condition": IN_VPC,
        "Properties": {
            "VpcId": {"Ref": "DeliveryVpc"},
            "CidrBlock": {"Fn::Select": [index, {"Fn::Cidr": [{"Ref": CIDR}, 4, "6"]}]},
            "AvailabilityZone": {"Fn::Select": [zone, {"Fn::GetAZs": ""}]},
            "MapPublicIpOnLaunch": False,
        },
    }


def network_resources() -> dict[str, Any]:
    """The VPC, its public subnet with the NAT gateway, two private subnets for the
    function, routes, a gateway endpoint for DynamoDB (no NAT traffic for the tables) and a
    security group that lets out HTTPS alone."""
    found: dict[str, Any] = {
        "DeliveryVpc": {
            "Type": "AWS::EC2::VPC",
            "Properties": {
                "CidrBlock": {"Ref": CIDR},
                "EnableDnsSupport": True,
                "EnableDnsHostnames": True,
            },
        },
        "DeliveryInternetGateway": {"Type": "AWS::EC2::InternetGateway"},
        "DeliveryGatewayAttachment": {
            "Type": "AWS::EC2::VPCGatewayAttachment",
            "Properties": {
                "VpcId": {"Ref": "DeliveryVpc"},
                "InternetGatewayId": {"Ref": "DeliveryInternetGateway"},
            },
        },
        "DeliveryPublicSubnet": _subnet(0, 0),
        "DeliveryPrivateSubnetA": _subnet(1, 0),
        "DeliveryPrivateSubnetB": _subnet(2, 1),
        "DeliveryPublicRouteTable": {
            "Type": "AWS::EC2::RouteTable",
            "Properties": {"VpcId": {"Ref": "DeliveryVpc"}},
        },
        "DeliveryPublicRoute": {
            "Type": "AWS::EC2::Route",
            "DependsOn": ["DeliveryGatewayAttachment"],
            "Properties": {
                "RouteTableId": {"Ref": "DeliveryPublicRouteTable"},
                "DestinationCidrBlock": "0.0.0.0/0",
                "GatewayId": {"Ref": "DeliveryInternetGateway"},
            },
        },
        "DeliveryPublicSubnetRoutes": {
            "Type": "AWS::EC2::SubnetRouteTableAssociation",
            "Properties": {
                "SubnetId": {"Ref": "DeliveryPublicSubnet"},
                "RouteTableId": {"Ref": "DeliveryPublicRouteTable"},
            },
        },
        "DeliveryNatAddress": {
            "Type": "AWS::EC2::EIP",
            "DependsOn": ["DeliveryGatewayAttachment"],
            "Properties": {"Domain": "vpc"},
        },
        "DeliveryNatGateway": {
            "Type": "AWS::EC2::NatGateway",
            "Properties": {
                "SubnetId": {"Ref": "DeliveryPublicSubnet"},
                "AllocationId": {"Fn::GetAtt": ["DeliveryNatAddress", "AllocationId"]},
            },
        },
        "DeliveryPrivateRouteTable": {
            "Type": "AWS::EC2::RouteTable",
            "Properties": {"VpcId": {"Ref": "DeliveryVpc"}},
        },
        "DeliveryPrivateRoute": {
            "Type": "AWS::EC2::Route",
            "Properties": {
                "RouteTableId": {"Ref": "DeliveryPrivateRouteTable"},
                "DestinationCidrBlock": "0.0.0.0/0",
                "NatGatewayId": {"Ref": "DeliveryNatGateway"},
            },
        },
        "DeliveryDynamoDbEndpoint": {
            "Type": "AWS::EC2::VPCEndpoint",
            "Properties": {
                "VpcId": {"Ref": "DeliveryVpc"},
                "VpcEndpointType": "Gateway",
                "ServiceName": {"Fn::Sub": "com.amazonaws.${AWS::Region}.dynamodb"},
                "RouteTableIds": [{"Ref": "DeliveryPrivateRouteTable"}],
            },
        },
        "DeliverySecurityGroup": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {
                "GroupDescription": "Webhook deliveries: HTTPS out, nothing in",
                "VpcId": {"Ref": "DeliveryVpc"},
                "SecurityGroupEgress": [
                    {
                        "IpProtocol": "tcp",
                        "FromPort": 443,
                        "ToPort": 443,
                        "CidrIp": "0.0.0.0/0",
                        "Description": "HTTPS: department systems and AWS endpoints",
                    }
                ],
            },
        },
    }
    for zone in ("A", "B"):
        found[f"DeliveryPrivateSubnet{zone}Routes"] = {
            "Type": "AWS::EC2::SubnetRouteTableAssociation",
            "Properties": {
                "SubnetId": {"Ref": f"DeliveryPrivateSubnet{zone}"},
                "RouteTableId": {"Ref": "DeliveryPrivateRouteTable"},
            },
        }
    for resource in found.values():
        resource["Condition"] = IN_VPC
    return found


def place_delivery(template: dict[str, Any], handlers: dict[str, str]) -> None:
    """Add the option to ``template``: parameters, conditions, the network, the delivery
    function's VpcConfig and network-interface policy, every function's view of it."""
    template.setdefault("Parameters", {}).update(parameters())
    template.setdefault("Conditions", {}).update(conditions())
    resources = template["Resources"]
    resources.update(network_resources())
    for function, handler in handlers.items():
        properties = resources[function]["Properties"]
        variables = properties.setdefault("Environment", {}).setdefault("Variables", {})
        # The API checks a URL when it is registered, the deliverer at every delivery.
        variables["MINSHENG_DELIVERY_NETWORK"] = {"Ref": NETWORK}
        variables["MINSHENG_WEBHOOK_PRIVATE_TARGETS"] = {"Fn::If": [PRIVATE_ON, "true", "false"]}
        if handler != DELIVERY_HANDLER:
            continue
        properties["VpcConfig"] = {
            "Fn::If": [
                IN_VPC,
                {
                    "SecurityGroupIds": [{"Ref": "DeliverySecurityGroup"}],
                    "SubnetIds": [
                        {"Ref": "DeliveryPrivateSubnetA"},
                        {"Ref": "DeliveryPrivateSubnetB"},
                    ],
                },
                {"Ref": "AWS::NoValue"},
            ]
        }
        role = resources[properties["Role"]["Fn::GetAtt"][0]]["Properties"]
        role.setdefault("ManagedPolicyArns", []).append(
            {"Fn::If": [IN_VPC, {"Fn::Sub": ENI_POLICY}, {"Ref": "AWS::NoValue"}]}
        )
    template.setdefault("Outputs", {}).update(
        {
            "DeliveryEgressAddress": {
                "Condition": IN_VPC,
                "Description": "The one address webhook deliveries come from: allow it in "
                "departments' firewalls",
                "Value": {"Ref": "DeliveryNatAddress"},
            },
            "DeliveryPrivateRouteTable": {
                "Condition": IN_VPC,
                "Description": "Add routes to department networks (a VPN or transit gateway) here",
                "Value": {"Ref": "DeliveryPrivateRouteTable"},
            },
        }
    )
