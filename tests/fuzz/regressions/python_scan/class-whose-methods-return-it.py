from openai import OpenAI

client = OpenAI()


class Number:
    def op0(self, other):
        return Number()

    def op1(self, other):
        return Number()

    def op2(self, other):
        return Number()

    def op3(self, other):
        return Number()

    def op4(self, other):
        return Number()

    def op5(self, other):
        return Number()

    def op6(self, other):
        return Number()

    def op7(self, other):
        return Number()

    def op8(self, other):
        return Number()

    def op9(self, other):
        return Number()

    def op10(self, other):
        return Number()

    def op11(self, other):
        return Number()

    def op12(self, other):
        return Number()

    def op13(self, other):
        return Number()

    def op14(self, other):
        return Number()

    def op15(self, other):
        return Number()

    def op16(self, other):
        return Number()

    def op17(self, other):
        return Number()

    def op18(self, other):
        return Number()

    def op19(self, other):
        return Number()

    def op20(self, other):
        return Number()

    def op21(self, other):
        return Number()

    def op22(self, other):
        return Number()

    def op23(self, other):
        return Number()

    def op24(self, other):
        return Number()

    def op25(self, other):
        return Number()

    def op26(self, other):
        return Number()

    def op27(self, other):
        return Number()

    def op28(self, other):
        return Number()

    def op29(self, other):
        return Number()

    def op30(self, other):
        return Number()

    def op31(self, other):
        return Number()

    def op32(self, other):
        return Number()

    def op33(self, other):
        return Number()

    def op34(self, other):
        return Number()

    def op35(self, other):
        return Number()

    def op36(self, other):
        return Number()

    def op37(self, other):
        return Number()

    def op38(self, other):
        return Number()

    def op39(self, other):
        return Number()

    def op40(self, other):
        return Number()

    def op41(self, other):
        return Number()

    def op42(self, other):
        return Number()

    def op43(self, other):
        return Number()

    def op44(self, other):
        return Number()

    def op45(self, other):
        return Number()

    def op46(self, other):
        return Number()

    def op47(self, other):
        return Number()

    def op48(self, other):
        return Number()

    def op49(self, other):
        return Number()

    def op50(self, other):
        return Number()

    def op51(self, other):
        return Number()

    def op52(self, other):
        return Number()

    def op53(self, other):
        return Number()

    def op54(self, other):
        return Number()

    def op55(self, other):
        return Number()

    def op56(self, other):
        return Number()

    def op57(self, other):
        return Number()

    def op58(self, other):
        return Number()

    def op59(self, other):
        return Number()

